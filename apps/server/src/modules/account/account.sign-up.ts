import { createHash } from 'node:crypto';
import type { TSignUpBody } from '@tillit/contracts';
import { and, eq, gt } from 'drizzle-orm';
import { withNewAccountExtras } from '../../auth/auth.ts';
import { createSignInAuditor } from '../../auth/sign-in-audit.ts';
import { invitations, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError, validationFailed } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { isFirstRun } from '../system/system.service.ts';
import { ageOn, DEFAULT_MINIMUM_AGE, minimumAgeFor } from './account.age.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The country of the workspace whose pending, unexpired invitation carries `token`
 *  (`${workspaceId}.${secret}`), or null. */
export async function invitationCountry(services: Services, token: string): Promise<string | null> {
  const dot = token.indexOf('.');
  const workspaceId = dot > 0 ? token.slice(0, dot) : '';
  if (!UUID.test(workspaceId)) return null;
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const now = services.clock.now();
  return withTenant(services.database.db, { workspaceId }, async (tx) => {
    const [row] = await tx
      .select({ country: workspaces.country })
      .from(invitations)
      .innerJoin(workspaces, eq(workspaces.workspaceId, invitations.workspaceId))
      .where(
        and(
          eq(invitations.workspaceId, workspaceId),
          eq(invitations.tokenHash, tokenHash),
          eq(invitations.status, 'pending'),
          gt(invitations.expiresAt, now),
        ),
      )
      .limit(1);
    return row?.country ?? null;
  });
}

/**
 * P-ACC-6: the minimum age this sign-up must confirm (the country of the workspace the
 * person is invited to or is creating, else 13), checked against the date of birth, which
 * is then dropped. Returns the age that was confirmed, the only thing kept.
 */
export async function confirmAge(
  services: Services,
  dateOfBirth: string,
  context: { invitationToken?: string | undefined; workspaceCountry?: string | undefined; field?: string } = {},
): Promise<number> {
  let minimum = DEFAULT_MINIMUM_AGE;
  if (context.invitationToken !== undefined) {
    const country = await invitationCountry(services, context.invitationToken);
    if (!country) {
      throw validationFailed({ invitationToken: 'is not a valid invitation (it may have expired or been used)' });
    }
    minimum = minimumAgeFor(country);
  } else if (context.workspaceCountry) {
    minimum = minimumAgeFor(context.workspaceCountry);
  }
  const field = context.field ?? 'dateOfBirth';
  const age = ageOn(dateOfBirth, services.clock.now());
  if (age === null || age > 150) throw validationFailed({ [field]: 'must be a real date of birth' });
  if (age < 0) throw validationFailed({ [field]: 'must not be in the future' });
  if (age < minimum) {
    throw new AppError('too_young', 422, `You must be at least ${minimum} years old to use Tillit here.`, {
      [field]: `must be at least ${minimum} years ago`,
    });
  }
  return minimum;
}

export type SignUpResult = { response: Response; userId: string; email: string; emailVerified: boolean };

/**
 * Creates an account through better-auth (whose own HTTP sign-up is disabled, so every
 * account passes the checks here), signs it in and sends the verification mail.
 */
export async function signUp(services: Services, input: TSignUpBody, headers: Headers): Promise<SignUpResult> {
  // Until the first run is done the first account must come from the first-run page, which
  // makes it the instance admin; an early sign-up would leave the instance without one.
  if (await isFirstRun(services.database.db)) {
    throw new AppError('setup_required', 409, 'This instance is not set up yet. Complete the first run first.');
  }
  const ageConfirmedMin = await confirmAge(services, input.dateOfBirth, { invitationToken: input.invitationToken });
  const email = input.email.trim().toLowerCase();
  const response = await withNewAccountExtras({ ageConfirmedMin }, () =>
    services.auth.api.signUpEmail({
      body: {
        email,
        password: input.password,
        name: `${input.firstName} ${input.lastName}`,
        firstName: input.firstName,
        lastName: input.lastName,
        locale: input.locale ?? 'en',
        callbackURL: '/',
      },
      headers,
      asResponse: true,
    }),
  );
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { code?: string; message?: string; user?: { id: string; emailVerified: boolean } } | null;
  if (response.status >= 400 || !body?.user) {
    const code = body?.code ?? '';
    if (code.startsWith('USER_ALREADY_EXISTS') || code === 'FAILED_TO_CREATE_USER') {
      throw new AppError('email_taken', 409, 'An account with this email address exists already.', {
        email: 'is already in use',
      });
    }
    if (code === 'PASSWORD_TOO_SHORT' || code === 'PASSWORD_TOO_LONG' || code === 'INVALID_PASSWORD') {
      throw validationFailed({ password: body?.message ?? 'is not accepted' });
    }
    if (code === 'INVALID_EMAIL') throw validationFailed({ email: 'must be an email address' });
    throw new AppError('sign_up_failed', response.status >= 500 ? 500 : 400, 'The account could not be created.');
  }
  await createSignInAuditor(
    services.database.db,
    services.clock,
  )({
    ok: true,
    method: 'sign_up',
    userId: body.user.id,
    email,
    ip: headers.get('x-tillit-client-ip'),
    userAgent: headers.get('user-agent'),
  });
  return { response, userId: body.user.id, email, emailVerified: body.user.emailVerified };
}
