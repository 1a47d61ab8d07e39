// Building blocks shared by every part of the API contract.
import { z } from 'zod';

/** ISO 3166-1 alpha-2, the officially assigned codes. */
export const COUNTRY_CODE_LIST: readonly string[] = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW ' +
  'BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI ' +
  'FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN ' +
  'IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME ' +
  'MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF ' +
  'PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV ' +
  'SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE ' +
  'YT ZA ZM ZW'
).split(' ');
export const COUNTRY_CODES: ReadonlySet<string> = new Set(COUNTRY_CODE_LIST);

/** A country as an ISO 3166-1 alpha-2 code; lower case is accepted and upper-cased. */
export const ZCountryCode = z
  .string({ error: 'must be a two-letter country code' })
  .trim()
  .toUpperCase()
  .refine((c) => COUNTRY_CODES.has(c), { error: 'must be an ISO 3166-1 two-letter country code, e.g. NO' });

/** Where a workspace's data is governed. */
export const REGIONS = ['eu', 'us', 'uk', 'ch', 'no', 'ca', 'au'] as const;
export const ZRegion = z.enum(REGIONS, { error: `must be one of ${REGIONS.join(', ')}` });
export type TRegion = z.infer<typeof ZRegion>;

/** An email address, trimmed and lower-cased (the form every lookup and tombstone uses). */
export const ZEmail = z
  .string({ error: 'must be a string' })
  .trim()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be an email address' }))
  .transform((e) => e.toLowerCase());
