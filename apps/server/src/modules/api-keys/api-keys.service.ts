import type { TApiKey, TApiKeyList, TCreateApiKeyBody, TCreatedApiKey } from '@tillit/contracts';
import { and, desc, eq } from 'drizzle-orm';
import { apiKeyLookups, apiKeys, members, users, type WorkspaceRole } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type InWorkspace, roleAtLeast } from '../../http/auth-context.ts';
import { AppError, forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { createRateLimiter, type RateLimiter } from './api-keys.rate-limit.ts';
import { hashSecret, newKey, parseKey, secretMatches } from './api-keys.token.ts';

const RANK: Record<WorkspaceRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const lower = (a: WorkspaceRole, b: WorkspaceRole) => (RANK[a] <= RANK[b] ? a : b);

type Row = typeof apiKeys.$inferSelect & { creatorName: string | null };

function present(row: Row, now: Date): TApiKey {
  const status = row.revokedAt ? 'revoked' : row.expiresAt && row.expiresAt <= now ? 'expired' : 'active';
  return {
    id: row.apiKeyId,
    name: row.name,
    prefix: `tlt_${row.prefix}`,
    role: row.role,
    scopes: row.scopes,
    createdBy: row.createdBy ? { id: row.createdBy, name: row.creatorName ?? '' } : null,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    status,
  };
}

function assertAdmin(actor: Actor): void {
  if (!roleAtLeast(actor.role, 'admin')) throw forbidden('Only admins manage API keys.');
}

const selection = { key: apiKeys, creatorName: users.name };

export async function listApiKeys(services: Services, actor: Actor): Promise<TApiKeyList> {
  assertAdmin(actor);
  const rows = await withTenant(services.database.db, actor, (tx) =>
    tx
      .select(selection)
      .from(apiKeys)
      .leftJoin(users, eq(users.id, apiKeys.createdBy))
      .where(eq(apiKeys.workspaceId, actor.workspaceId))
      .orderBy(desc(apiKeys.createdAt))
      .limit(500),
  );
  const now = services.clock.now();
  return { items: rows.map((r) => present({ ...r.key, creatorName: r.creatorName }, now)) };
}

/** Creates a key; the answer holds the whole key, which is never shown again. */
export async function createApiKey(services: Services, actor: Actor, body: TCreateApiKeyBody): Promise<TCreatedApiKey> {
  assertAdmin(actor);
  if (!roleAtLeast(actor.role, body.role)) throw validationFailed({ role: 'must not be above your own role' });
  const now = services.clock.now();
  const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
  if (expiresAt && expiresAt <= now) throw validationFailed({ expiresAt: 'must be in the future' });
  const scopes = [...new Set(body.scopes)].sort();
  const { prefix, secret, token } = newKey();
  const apiKeyId = newId(now.getTime());
  const row = await withTenant(services.database.db, actor, async (tx) => {
    const [inserted] = await tx
      .insert(apiKeys)
      .values({
        workspaceId: actor.workspaceId,
        apiKeyId,
        name: body.name,
        prefix,
        secretHash: hashSecret(secret),
        role: body.role,
        scopes,
        createdBy: actor.userId,
        createdAt: now,
        expiresAt,
      })
      .returning();
    await tx.insert(apiKeyLookups).values({ prefix, workspaceId: actor.workspaceId, apiKeyId });
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'api_key.created',
        target: { type: 'api_key', id: apiKeyId },
        details: { role: body.role, scopes: [...scopes], expires: Boolean(expiresAt) },
      },
      now,
    );
    const [me] = await tx.select({ name: users.name }).from(users).where(eq(users.id, actor.userId));
    if (!inserted) throw new Error('insert returned nothing');
    return { ...inserted, creatorName: me?.name ?? null };
  });
  return { ...present(row, now), key: token };
}

export async function revokeApiKey(services: Services, actor: Actor, apiKeyId: string): Promise<TApiKey> {
  assertAdmin(actor);
  const now = services.clock.now();
  const row = await withTenant(services.database.db, actor, async (tx) => {
    const where = and(eq(apiKeys.workspaceId, actor.workspaceId), eq(apiKeys.apiKeyId, apiKeyId));
    const [found] = await tx.select().from(apiKeys).where(where).for('update');
    if (!found) throw notFound('The API key');
    if (found.revokedAt) return found;
    const [updated] = await tx.update(apiKeys).set({ revokedAt: now }).where(where).returning();
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'api_key.revoked',
        target: { type: 'api_key', id: apiKeyId },
      },
      now,
    );
    return updated ?? found;
  });
  const [creator] = row.createdBy
    ? await withTenant(services.database.db, actor, (tx) =>
        tx
          .select({ name: users.name })
          .from(users)
          .where(eq(users.id, row.createdBy as string)),
      )
    : [];
  return present({ ...row, creatorName: creator?.name ?? null }, now);
}

const limiters = new WeakMap<Services, RateLimiter>();
function limiterOf(services: Services): RateLimiter {
  let l = limiters.get(services);
  if (!l) {
    l = createRateLimiter(services.config.apiKeyRatePerMinute);
    limiters.set(services, l);
  }
  return l;
}

const invalid = () => new AppError('invalid_api_key', 401, 'This API key is not valid.');

/**
 * The principal of a bearer key: the workspace, the key's role (never above what its
 * creator holds today: a demoted or removed creator takes the key down with them), and the
 * creator as the user the services act for. Refuses unknown, revoked and expired keys
 * (401) and keys over their rate (429). `lastUsedAt` is written at most once a minute.
 */
export async function authenticateApiKey(services: Services, token: string): Promise<InWorkspace> {
  const parsed = parseKey(token);
  if (!parsed) throw invalid();
  const [lookup] = await services.database.db
    .select()
    .from(apiKeyLookups)
    .where(eq(apiKeyLookups.prefix, parsed.prefix));
  if (!lookup) throw invalid();
  const now = services.clock.now();
  const { workspaceId } = lookup;
  const found = await withTenant(services.database.db, { workspaceId }, async (tx) => {
    const [r] = await tx
      .select({ key: apiKeys, memberRole: members.role, user: users })
      .from(apiKeys)
      .leftJoin(members, and(eq(members.workspaceId, apiKeys.workspaceId), eq(members.userId, apiKeys.createdBy)))
      .leftJoin(users, eq(users.id, apiKeys.createdBy))
      .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.apiKeyId, lookup.apiKeyId)));
    if (!r || !secretMatches(parsed.secret, r.key.secretHash)) return null;
    if (!r.key.revokedAt && (!r.key.lastUsedAt || now.getTime() - r.key.lastUsedAt.getTime() >= 60_000)) {
      await tx
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.apiKeyId, r.key.apiKeyId)));
    }
    return r;
  });
  if (!found) throw invalid();
  const { key, memberRole, user } = found;
  if (key.revokedAt) throw new AppError('api_key_revoked', 401, 'This API key was revoked.');
  if (key.expiresAt && key.expiresAt <= now) throw new AppError('api_key_expired', 401, 'This API key has expired.');
  if (!memberRole || !user || user.deletedAt) {
    throw new AppError('invalid_api_key', 401, 'The member who created this API key is no longer in the workspace.');
  }
  const limited = limiterOf(services).take(key.apiKeyId, now);
  if (!limited.ok) {
    throw new AppError(
      'rate_limited',
      429,
      `Too many requests with this API key; try again in ${limited.retryAfterSeconds} s.`,
    );
  }
  return {
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      emailVerified: user.emailVerified,
      twoFactorEnabled: user.twoFactorEnabled,
      // A key never carries instance-wide powers, whoever created it.
      isInstanceAdmin: false,
    },
    session: { id: `api-key:${key.apiKeyId}`, token: '', activeWorkspaceId: workspaceId },
    workspaceId,
    role: lower(key.role, memberRole),
    apiKey: { id: key.apiKeyId, scopes: key.scopes },
  };
}
