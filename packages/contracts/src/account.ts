// Zod schemas of the account API (sign-up, first run, my account). Shared by server and web.
import { z } from 'zod';
import { ZCountryCode, ZEmail, ZRegion } from './common.ts';

/** An object that refuses unknown keys and names each one: the issue's path is the key, so
 *  the API answers `fields: { "<key>": "is not a known field" }`. */
function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = new Set(Object.keys(shape));
  return z
    .object(shape)
    .catchall(z.unknown())
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (!known.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a known field' });
      }
    });
}

/** @see ZEmail */
export const ZAccountEmail = ZEmail;
export const ZAccountPassword = z
  .string({ error: 'must be a string' })
  .min(10, { error: 'must be at least 10 characters' })
  .max(256, { error: 'must be at most 256 characters' });

const text = (max: number, min = 0) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(min, { error: min > 0 ? 'must not be empty' : 'is too short' })
    .max(max, { error: `must be at most ${max} characters` });

export const ZPersonName = text(100, 1);
export const ZAccountCountry = ZCountryCode;
export const ZAccountLocale = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, { error: 'must be a language tag like "en" or "nb-NO"' });
/** A calendar date, YYYY-MM-DD. Used only to check the age; never stored. */
export const ZDateOfBirth = z.iso.date({ error: 'must be a date as YYYY-MM-DD' });
/** E.164 after dropping spaces, dashes, dots and parentheses. */
export const ZAccountPhone = z
  .string({ error: 'must be a string' })
  .max(40, { error: 'must be at most 40 characters' })
  .transform((s) => s.replace(/[\s\-().]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, { error: 'must be an international number like +47 22 33 44 55' }));

export const ZSignUpBody = strictObject({
  email: ZAccountEmail,
  password: ZAccountPassword,
  firstName: ZPersonName,
  lastName: ZPersonName,
  dateOfBirth: ZDateOfBirth,
  locale: ZAccountLocale.optional(),
  invitationToken: z.string({ error: 'must be a string' }).min(1).max(512).optional(),
});
export type TSignUpBody = z.infer<typeof ZSignUpBody>;
/** Sign-up and first run answer with the new account as GET /api/account/me shows it (`ZMe`). */

export const ZFirstRunBody = strictObject({
  account: strictObject({
    email: ZAccountEmail,
    password: ZAccountPassword,
    firstName: ZPersonName,
    lastName: ZPersonName,
    dateOfBirth: ZDateOfBirth,
    locale: ZAccountLocale.optional(),
  }),
  workspace: strictObject({
    name: text(120, 1),
    country: ZAccountCountry,
    region: ZRegion,
  }),
  /** Fill the new workspace with demo data (loaded in the background by the demo.load job). */
  demo: z.boolean({ error: 'must be true or false' }).optional(),
});
export type TFirstRunBody = z.infer<typeof ZFirstRunBody>;

export const ZAccountAddress = z.object({
  street: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
});
export type TAccountAddress = z.infer<typeof ZAccountAddress>;

export const ZMeWorkspace = z.object({
  workspaceId: z.string(),
  name: z.string(),
  role: z.enum(['owner', 'admin', 'member', 'viewer']),
  country: z.string(),
  region: z.string(),
  teams: z.array(z.object({ teamId: z.string(), name: z.string() })),
});
export type TMeWorkspace = z.infer<typeof ZMeWorkspace>;

export const ZMe = z.object({
  id: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().nullable(),
  address: ZAccountAddress,
  locale: z.string(),
  twoFactorEnabled: z.boolean(),
  isInstanceAdmin: z.boolean(),
  createdAt: z.string(),
  activeWorkspaceId: z.string().nullable(),
  workspaces: z.array(ZMeWorkspace),
});
export type TMe = z.infer<typeof ZMe>;

const nullableText = (max: number) => text(max).nullable();

export const ZUpdateMeBody = strictObject({
  firstName: ZPersonName.optional(),
  lastName: ZPersonName.optional(),
  phone: ZAccountPhone.nullable().optional(),
  address: strictObject({
    street: nullableText(200).optional(),
    state: nullableText(100).optional(),
    postalCode: nullableText(20).optional(),
    city: nullableText(100).optional(),
    country: ZAccountCountry.nullable().optional(),
  }).optional(),
  locale: ZAccountLocale.optional(),
  email: z.never({ error: 'change the address through /api/auth/change-email, which verifies it' }).optional(),
});
export type TUpdateMeBody = z.infer<typeof ZUpdateMeBody>;

export const ZDeleteMeBody = strictObject({
  password: z.string({ error: 'must be a string' }).min(1, { error: 'is required' }).max(256),
});
export type TDeleteMeBody = z.infer<typeof ZDeleteMeBody>;

export const ZAccountDeleted = z.object({
  deleted: z.literal(true),
  purgeAfter: z.string(),
  workspacesDeleted: z.array(z.string()),
  workspacesLeft: z.array(z.string()),
});
export type TAccountDeleted = z.infer<typeof ZAccountDeleted>;
