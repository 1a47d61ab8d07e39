import { createServices } from '../../bootstrap.ts';
import type { Config } from '../../config.ts';
import {
  backupSettings,
  ledgersToReplay,
  listBackups,
  markLedgerReplayed,
  replayErasureLedger,
  restoreBackup,
  takeBackup,
} from './backup.service.ts';

/** `npm run backup`, `npm run restore [-- file]` and `npm run restore -- --replay-only` (after a
 *  restore made by other means); answers the process exit code. */
export async function runBackupCommand(config: Config, command: 'backup' | 'restore', args: string[]): Promise<number> {
  const settings = backupSettings(config);
  if (command === 'backup') {
    const r = await takeBackup(config, settings);
    console.log(`Backup written: ${r.file}\nErasure ledger beside it: ${r.ledger}`);
    return 0;
  }
  if (args[0] !== '--replay-only') {
    const file = args[0] ?? listBackups(settings)[0];
    if (!file) {
      console.error(`No backup given and none in ${settings.dir}.`);
      return 2;
    }
    await restoreBackup(config, settings, file);
    console.log(`Restored ${file}.`);
  }
  // Before anything serves: migrate, then erase again whoever the ledger says was erased. (A
  // server start does the same when the database is behind the ledger; here it always runs.)
  const services = await createServices(config, { replayErasureLedger: false });
  try {
    const r = await replayErasureLedger(services, ledgersToReplay(config, settings));
    await markLedgerReplayed(services, ledgersToReplay(config, settings).length);
    console.log(
      `Erasure ledger replayed: ${r.erasedAgain} people erased again, ${r.tombstones} tombstones, ${r.lifts} lifts.`,
    );
  } finally {
    await services.database.close();
  }
  return 0;
}
