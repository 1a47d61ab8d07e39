import type { Auth } from './auth/auth.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { Clock } from './lib/clock.ts';
import type { KeyRing } from './lib/keys.ts';
import type { MailTransport } from './mail/mail.transport.ts';
import type { FileStorage } from './storage/storage.ts';

/** Everything with a side effect, built once in main.ts (or by a test) and handed down. */
export type Services = {
  config: Config;
  database: Database;
  clock: Clock;
  mail: MailTransport;
  keys: KeyRing;
  auth: Auth;
  /** The bytes of files attached to records (local disk by default). */
  storage: FileStorage;
  version: string;
};
