import { readFileSync } from 'node:fs';
import { createAuth } from './auth/auth.ts';
import { createSignInAuditor } from './auth/sign-in-audit.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createKeyRing, loadOrCreateSecret } from './lib/keys.ts';
import { createOutboxTransport, createSmtpTransport, type MailTransport } from './mail/mail.transport.ts';
import { replayLedgerAtStart } from './privacy/backup/backup.service.ts';
import type { Services } from './services.ts';
import { createLocalStorage } from './storage/storage.local.ts';
import type { FileStorage } from './storage/storage.ts';

export type ServiceOverrides = {
  database?: Database;
  clock?: Clock;
  mail?: MailTransport;
  storage?: FileStorage;
  rateLimit?: { window: number; max: number; signInMax: number };
  /** False only where the caller replays the erasure ledger itself (`npm run restore`, a test
   *  that looks at a restored database before the replay). */
  replayErasureLedger?: boolean;
};

/** Opens the database, migrates it, wires every service, and replays the erasure ledger if the
 *  database is behind it (a restore), before anything can serve or run a job (P-SEC-8). */
export async function createServices(config: Config, overrides: ServiceOverrides = {}): Promise<Services> {
  const database = overrides.database ?? (await openDatabase(config.database));
  await runMigrations(database);
  const clock = overrides.clock ?? systemClock;
  const keys = createKeyRing(loadOrCreateSecret(config.secretKey, config.dataDir));
  const mail =
    overrides.mail ??
    (config.smtpUrl ? createSmtpTransport(config.smtpUrl, config.mailFrom) : createOutboxTransport(database.db));
  const auth = createAuth({
    config,
    db: database.db,
    mail,
    keys,
    clock,
    onSignInAttempt: createSignInAuditor(database.db, clock),
    rateLimit: overrides.rateLimit ?? { window: 60, max: 300, signInMax: 10 },
  });
  const storage = overrides.storage ?? createLocalStorage(config.files.dir);
  const services: Services = { config, database, clock, mail, keys, auth, storage, version: readVersion() };
  if (overrides.replayErasureLedger !== false) {
    const replay = await replayLedgerAtStart(services);
    if (replay) {
      console.info(
        `Erasure ledger replayed at start: ${replay.erasedAgain} people erased again, ${replay.tombstones} tombstones, ${replay.lifts} lifts.`,
      );
    }
  }
  return services;
}

function readVersion(): string {
  try {
    const url = new URL('../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
