import { bigint, boolean, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { ts } from './columns.ts';

/**
 * Accounts and their credentials. better-auth reads and writes these tables through its
 * Drizzle adapter (property names are better-auth's field names). They are global: an
 * account is not owned by a workspace. Tillit is controller of this data (P-ACC-8).
 */

export const users = declareTable(
  pgTable(
    'users',
    {
      id: uuid('id').primaryKey(),
      name: text('name').notNull(),
      firstName: text('first_name').notNull().default(''),
      lastName: text('last_name').notNull().default(''),
      email: text('email').notNull(),
      emailVerified: boolean('email_verified').notNull().default(false),
      image: text('image'),
      phone: text('phone'),
      street: text('street'),
      state: text('state'),
      postalCode: text('postal_code'),
      city: text('city'),
      country: text('country'),
      locale: text('locale').notNull().default('en'),
      ageConfirmedMin: integer('age_confirmed_min'),
      twoFactorEnabled: boolean('two_factor_enabled').notNull().default(false),
      isInstanceAdmin: boolean('is_instance_admin').notNull().default(false),
      deletedAt: ts('deleted_at'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [uniqueIndex('users_email_key').on(t.email)],
  ),
  {
    description: 'User accounts of the service',
    tenancy: 'global',
    controller: 'service',
    subject: { kind: 'user', column: 'id' },
    columns: {
      id: personal('user.account.identifier'),
      name: personal('user.name'),
      firstName: personal('user.name'),
      lastName: personal('user.name'),
      email: personal('user.contact.email'),
      emailVerified: notPersonal('whether the address was confirmed'),
      image: personal('user.photo'),
      phone: personal('user.contact.phone_number'),
      street: personal('user.contact.address.street'),
      state: personal('user.contact.address.state'),
      postalCode: personal('user.contact.address.postal_code'),
      city: personal('user.contact.address.city'),
      country: personal('user.contact.address.country'),
      locale: personal('user.preferences'),
      ageConfirmedMin: personal(
        'user.demographic.age_range',
        'the minimum age confirmed at sign-up; no birth date is kept',
      ),
      twoFactorEnabled: notPersonal(),
      isInstanceAdmin: notPersonal(),
      deletedAt: notPersonal('when the account was deleted; the row is purged later'),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

export const sessions = declareTable(
  pgTable(
    'sessions',
    {
      id: uuid('id').primaryKey(),
      userId: uuid('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      token: text('token').notNull(),
      expiresAt: ts('expires_at').notNull(),
      ipAddress: text('ip_address'),
      userAgent: text('user_agent'),
      activeWorkspaceId: uuid('active_workspace_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [uniqueIndex('sessions_token_key').on(t.token), index('sessions_user_id_idx').on(t.userId)],
  ),
  {
    description: 'Signed-in sessions',
    tenancy: 'global',
    controller: 'service',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      id: notPersonal(),
      userId: personal('user.account.identifier'),
      token: personal('system.authentication'),
      expiresAt: notPersonal(),
      ipAddress: personal('user.device.ip_address'),
      userAgent: personal('user.device.user_agent'),
      activeWorkspaceId: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

export const accounts = declareTable(
  pgTable(
    'accounts',
    {
      id: uuid('id').primaryKey(),
      userId: uuid('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      accountId: text('account_id').notNull(),
      providerId: text('provider_id').notNull(),
      accessToken: text('access_token'),
      refreshToken: text('refresh_token'),
      idToken: text('id_token'),
      accessTokenExpiresAt: ts('access_token_expires_at'),
      refreshTokenExpiresAt: ts('refresh_token_expires_at'),
      scope: text('scope'),
      password: text('password'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [index('accounts_user_id_idx').on(t.userId)],
  ),
  {
    description: 'Sign-in methods of an account (the password hash lives here)',
    tenancy: 'global',
    controller: 'service',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      id: notPersonal(),
      userId: personal('user.account.identifier'),
      accountId: personal('user.account.identifier'),
      providerId: notPersonal(),
      accessToken: personal('system.authentication'),
      refreshToken: personal('system.authentication'),
      idToken: personal('system.authentication'),
      accessTokenExpiresAt: notPersonal(),
      refreshTokenExpiresAt: notPersonal(),
      scope: notPersonal(),
      password: personal('system.authentication', 'scrypt hash, never the password'),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

export const verifications = declareTable(
  pgTable(
    'verifications',
    {
      id: uuid('id').primaryKey(),
      identifier: text('identifier').notNull(),
      value: text('value').notNull(),
      expiresAt: ts('expires_at').notNull(),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [index('verifications_identifier_idx').on(t.identifier)],
  ),
  {
    description: 'Short-lived tokens for email verification and password reset',
    tenancy: 'global',
    controller: 'service',
    columns: {
      id: notPersonal(),
      identifier: personal('system.authentication', 'may contain an email address'),
      value: personal('system.authentication'),
      expiresAt: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

export const twoFactors = declareTable(
  pgTable(
    'two_factors',
    {
      id: uuid('id').primaryKey(),
      userId: uuid('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      secret: text('secret').notNull(),
      backupCodes: text('backup_codes').notNull(),
      verified: boolean('verified').notNull().default(true),
      failedVerificationCount: integer('failed_verification_count').notNull().default(0),
      lockedUntil: ts('locked_until'),
    },
    (t) => [index('two_factors_user_id_idx').on(t.userId), index('two_factors_secret_idx').on(t.secret)],
  ),
  {
    description: 'TOTP secrets and backup codes (stored encrypted by better-auth)',
    tenancy: 'global',
    controller: 'service',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      id: notPersonal(),
      userId: personal('user.account.identifier'),
      secret: personal('system.authentication'),
      backupCodes: personal('system.authentication'),
      verified: notPersonal(),
      failedVerificationCount: notPersonal(),
      lockedUntil: notPersonal(),
    },
  },
);

export const passkeys = declareTable(
  pgTable(
    'passkeys',
    {
      id: uuid('id').primaryKey(),
      userId: uuid('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      name: text('name'),
      publicKey: text('public_key').notNull(),
      credentialID: text('credential_id').notNull(),
      counter: integer('counter').notNull(),
      deviceType: text('device_type').notNull(),
      backedUp: boolean('backed_up').notNull(),
      transports: text('transports'),
      aaguid: text('aaguid'),
      createdAt: ts('created_at').defaultNow(),
    },
    (t) => [index('passkeys_user_id_idx').on(t.userId), index('passkeys_credential_id_idx').on(t.credentialID)],
  ),
  {
    description: 'Registered passkeys (WebAuthn public keys)',
    tenancy: 'global',
    controller: 'service',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      id: notPersonal(),
      userId: personal('user.account.identifier'),
      name: personal('system.authentication', 'a label the user chose'),
      publicKey: personal('system.authentication'),
      credentialID: personal('system.authentication'),
      counter: notPersonal(),
      deviceType: notPersonal(),
      backedUp: notPersonal(),
      transports: notPersonal(),
      aaguid: notPersonal('identifies the authenticator model, not the person'),
      createdAt: notPersonal(),
    },
  },
);

export const rateLimits = declareTable(
  pgTable('rate_limits', {
    id: uuid('id').primaryKey(),
    key: text('key').notNull().unique(),
    count: integer('count').notNull(),
    lastRequest: bigint('last_request', { mode: 'number' }).notNull(),
  }),
  {
    description: 'Counters for sign-in and other rate limits',
    tenancy: 'global',
    controller: 'service',
    columns: {
      id: notPersonal(),
      key: personal('user.device.ip_address', 'the key holds the client IP and the path'),
      count: notPersonal(),
      lastRequest: notPersonal(),
    },
  },
);

/** The ledger of deleted accounts: which workspaces' audit chains to scrub and when the
 *  personal data must be gone. Rows stay after the purge as proof (an id, no contact data). */
export const accountDeletions = declareTable(
  pgTable('account_deletions', {
    userId: uuid('user_id').primaryKey(),
    requestedAt: ts('requested_at').notNull(),
    purgeAfter: ts('purge_after').notNull(),
    workspaceIds: uuid('workspace_ids').array().notNull(),
    purgedAt: ts('purged_at'),
  }),
  {
    description: 'Ledger of account deletions and their purge',
    tenancy: 'global',
    controller: 'service',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      userId: personal('user.account.identifier'),
      requestedAt: notPersonal(),
      purgeAfter: notPersonal(),
      workspaceIds: notPersonal(),
      purgedAt: notPersonal(),
    },
  },
);
