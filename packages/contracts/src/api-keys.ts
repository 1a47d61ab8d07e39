// API keys of a workspace (issue 3, "API"). Shared by server and web.
import { z } from 'zod';
import { PERMISSION_ACTIONS, PERMISSION_OBJECTS } from './permissions.ts';
import { ZWorkspaceRole } from './workspaces.ts';

/**
 * Scopes for work that is not a cell of the permission matrix: requests from data subjects
 * (the role rules of privacy/requests apply on top: members read the requests on a person they
 * see, admins work the inbox). `privacy:export` downloads a package (a copy of a person's data).
 */
export const PRIVACY_SCOPES = ['privacy:read', 'privacy:write', 'privacy:export'] as const;
export type TPrivacyScope = (typeof PRIVACY_SCOPES)[number];

/** Every scope a key can hold: `object:action` of the permission matrix, e.g. `people:read`,
 *  and the privacy scopes. */
export const API_KEY_SCOPES = [
  ...PERMISSION_OBJECTS.flatMap((o) => PERMISSION_ACTIONS.map((a) => `${o}:${a}` as const)),
  ...PRIVACY_SCOPES,
];
export const ZApiKeyScope = z.enum(API_KEY_SCOPES, {
  error: 'must be object:action of the permission matrix, or privacy:read, privacy:write or privacy:export',
});
export type TApiKeyScope = z.infer<typeof ZApiKeyScope>;

export const ZApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The public part of the key (`tlt_<prefix>_…`), to recognise it in a list. */
  prefix: z.string(),
  role: ZWorkspaceRole,
  scopes: z.array(z.string()),
  createdBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** active, expired or revoked. */
  status: z.enum(['active', 'expired', 'revoked']),
});
export type TApiKey = z.infer<typeof ZApiKey>;

export const ZApiKeyList = z.object({ items: z.array(ZApiKey) });
export type TApiKeyList = z.infer<typeof ZApiKeyList>;

/** The answer to a creation: the only time the whole key is shown. */
export const ZCreatedApiKey = ZApiKey.extend({ key: z.string() });
export type TCreatedApiKey = z.infer<typeof ZCreatedApiKey>;

export const ZCreateApiKeyBody = z
  .object({
    name: z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(100, { error: 'must be at most 100 characters' }),
    role: ZWorkspaceRole,
    scopes: z.array(ZApiKeyScope).min(1, { error: 'must name at least one scope' }).max(API_KEY_SCOPES.length),
    expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO date and time' }).nullable().optional(),
  })
  .strict();
export type TCreateApiKeyBody = z.infer<typeof ZCreateApiKeyBody>;

export const ZApiKeyParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) });
