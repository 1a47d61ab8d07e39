import { consentExpiry } from '../../apps/server/src/privacy/consent/consent.lifetime.ts';
import { BUILT_IN_PURPOSES } from '../../apps/server/src/privacy/purposes/purposes.builtin.ts';
import { DEFAULT_NOTICE_BODY, noticeHash } from '../../apps/server/src/privacy/register/notice.text.ts';
import { type CopyTarget, csvRow } from './copy-target.ts';
import { createRng, uuid7 } from './rng.ts';

/**
 * The consent ledger of the generated workspace, as the application writes it
 * (privacy/consent): `marketing.email` consents of a share of the people, given on a web
 * form, by double opt-in or imported with a proof; some withdrawn later; those whose
 * lifetime (the purpose's `consentMonths`) ran out before `until` with the `expired` record
 * the `consent.expire` job appends at the expiry, and some given again after it. Every
 * record names version 1 of the workspace's notice and its hash (written here, published at
 * `since`, when the notice does not exist yet). `seq` is the ledger's identity column: rows
 * are copied in time order, so it is the order of appending, as in the application. Like
 * the rest of the generated rows, no audit entries are written for them.
 */
export type ConsentInput = {
  workspaceId: string;
  personIds: readonly string[];
  /** When person `i` was created (ms); their consents come after it. */
  createdAt(i: number): number;
  /** Person `i`'s email address (the double opt-in evidence names it). */
  emailOf(i: number): string;
  /** The generated period: consents between `since` and `until` (ms). */
  since: number;
  until: number;
  seed: number;
  /** The share of people with a consent history (0.4). */
  share?: number;
};

const PURPOSE = 'marketing.email';
const DAY = 24 * 3600 * 1000;
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
] as const;

type Method = 'web_form' | 'double_opt_in_email' | 'import_with_proof';
type Rec = {
  id: string;
  person: number;
  state: 'given' | 'withdrawn' | 'expired';
  method: Method;
  at: number;
  expiresAt: number | null;
  actorKind: 'person' | 'import' | 'system';
  ip: string | null;
  userAgent: string | null;
  proof: string | null;
  evidence: Record<string, string>;
};

export async function writeConsents(
  target: CopyTarget,
  input: ConsentInput,
): Promise<{ records: number; people: number; given: number; withdrawn: number; expired: number }> {
  const { workspaceId: ws, since, until } = input;
  const months = BUILT_IN_PURPOSES.find((p) => p.key === PURPOSE)?.consentMonths ?? null;
  const notice = await ensureNotice(target, ws, since);
  const rng = createRng(input.seed);
  const share = input.share ?? 0.4;
  const records: Rec[] = [];
  let people = 0;
  const between = (from: number, to: number) => from + Math.floor(rng.next() * Math.max(0, to - from));

  const give = (i: number, at: number, method: Method): Rec => {
    const expires = consentExpiry(months, new Date(at))?.getTime() ?? null;
    const base = { id: uuid7(rng, at), person: i, state: 'given' as const, method, at, expiresAt: expires };
    if (method === 'web_form') {
      return {
        ...base,
        actorKind: 'person',
        ip: `198.51.100.${1 + rng.int(254)}`,
        userAgent: rng.pick(USER_AGENTS),
        proof: null,
        evidence: { form: 'newsletter sign-up' },
      };
    }
    if (method === 'double_opt_in_email') {
      // The confirmation mail went out a few minutes to a day before the link was used.
      const sentAt = at - (5 * 60 * 1000 + rng.int(DAY));
      return {
        ...base,
        actorKind: 'person',
        ip: `203.0.113.${1 + rng.int(254)}`,
        userAgent: rng.pick(USER_AGENTS),
        proof: null,
        evidence: {
          confirmationId: uuid7(rng, sentAt),
          email: input.emailOf(i),
          sentAt: new Date(sentAt).toISOString(),
        },
      };
    }
    return {
      ...base,
      actorKind: 'import',
      ip: null,
      userAgent: null,
      proof: `Signed paper form, trade fair ${new Date(at).getUTCFullYear()}, folder ${1 + rng.int(40)}`,
      evidence: {},
    };
  };

  for (let i = 0; i < input.personIds.length; i++) {
    if (!rng.chance(share)) continue;
    const from = Math.max(since, input.createdAt(i));
    if (from >= until) continue;
    people += 1;
    const r = rng.next();
    const method: Method = r < 0.6 ? 'web_form' : r < 0.9 ? 'double_opt_in_email' : 'import_with_proof';
    const given = give(i, between(from, until), method);
    records.push(given);
    const lapse = given.expiresAt ?? Number.POSITIVE_INFINITY;
    if (rng.chance(0.2)) {
      // Withdrawn through the link in a newsletter, before the consent lapsed.
      const at = between(given.at + 1, Math.min(lapse, until));
      if (at > given.at) {
        records.push({
          id: uuid7(rng, at),
          person: i,
          state: 'withdrawn',
          method: 'web_form',
          at,
          expiresAt: null,
          actorKind: 'person',
          ip: `198.51.100.${1 + rng.int(254)}`,
          userAgent: rng.pick(USER_AGENTS),
          proof: null,
          evidence: { via: 'withdrawal link' },
        });
        continue;
      }
    }
    if (lapse <= until) {
      // The daily job's record, timed at the expiry itself (consent.jobs.ts).
      records.push({
        id: uuid7(rng, lapse),
        person: i,
        state: 'expired',
        method: given.method,
        at: lapse,
        expiresAt: null,
        actorKind: 'system',
        ip: null,
        userAgent: null,
        proof: null,
        evidence: { lapsedRecordId: given.id, expiresAt: new Date(lapse).toISOString() },
      });
      // Asked again after it lapsed, and given again by double opt-in.
      if (rng.chance(0.3)) {
        const again = between(lapse + DAY, Math.min(until, lapse + 90 * DAY));
        if (again > lapse && again < until) records.push(give(i, again, 'double_opt_in_email'));
      }
    }
  }
  // In time order, so that `seq` (identity) follows the order of appending.
  records.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  const CHUNK = 10_000;
  await target.copy(
    'consent_records',
    [
      'workspace_id',
      'record_id',
      'person_id',
      'purpose_key',
      'state',
      'method',
      'notice_version',
      'notice_text_hash',
      'recorded_at',
      'expires_at',
      'actor_kind',
      'actor_id',
      'ip',
      'user_agent',
      'proof',
      'evidence',
    ],
    (function* () {
      for (let start = 0; start < records.length; start += CHUNK) {
        let s = '';
        for (const r of records.slice(start, start + CHUNK)) {
          s += csvRow([
            ws,
            r.id,
            input.personIds[r.person],
            PURPOSE,
            r.state,
            r.method,
            notice.version,
            notice.textHash,
            new Date(r.at).toISOString(),
            r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
            r.actorKind,
            null,
            r.ip,
            r.userAgent,
            r.proof,
            JSON.stringify(r.evidence),
          ]);
        }
        yield s;
      }
    })(),
  );
  const count = (state: Rec['state']) => records.filter((r) => r.state === state).length;
  return {
    records: records.length,
    people,
    given: count('given'),
    withdrawn: count('withdrawn'),
    expired: count('expired'),
  };
}

/** The workspace's current notice; version 1 with the default text, published at `at`,
 *  when it has none yet (the application publishes it the same way on first need). */
async function ensureNotice(
  target: CopyTarget,
  ws: string,
  at: number,
): Promise<{ version: number; textHash: string }> {
  const [current] = await target.query<{ version: number; text_hash: string }>(
    'select version, text_hash from privacy_notices where workspace_id = $1 order by version desc limit 1',
    [ws],
  );
  if (current) return { version: Number(current.version), textHash: current.text_hash };
  const textHash = noticeHash(DEFAULT_NOTICE_BODY);
  await target.copy(
    'privacy_notices',
    ['workspace_id', 'version', 'body', 'text_hash', 'published_at', 'published_by'],
    [csvRow([ws, 1, DEFAULT_NOTICE_BODY, textHash, new Date(at).toISOString(), null])],
  );
  return { version: 1, textHash };
}
