import { createServices } from './bootstrap.ts';
import { ConfigError, loadConfig } from './config.ts';
import { verifyAllChains } from './privacy/audit/audit.verify-all.ts';
import { runBackupCommand } from './privacy/backup/backup.cli.ts';
import { runRetentionCommand } from './privacy/retention/retention.cli.ts';

/** Operator commands: `node dist/cli.js migrate | audit:verify | backup | restore [file] | retention:enforce`. */
async function main(): Promise<void> {
  const [command] = process.argv.slice(2);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (command === 'migrate') {
    const services = await createServices(config);
    console.log(`Migrated the ${services.database.kind} database.`);
    await services.database.close();
    return;
  }
  if (command === 'audit:verify') {
    const services = await createServices(config);
    const reports = await verifyAllChains(services.database.db);
    let broken = 0;
    for (const r of reports) {
      console.log(`${r.ok ? 'ok    ' : 'BROKEN'} ${r.workspaceId}  ${r.entries} entries`);
      for (const p of r.problems) console.log(`         seq ${p.seq}: ${p.kind}: ${p.message}`);
      if (!r.ok) broken++;
    }
    console.log(broken ? `${broken} of ${reports.length} chains are broken.` : `All ${reports.length} chains verify.`);
    await services.database.close();
    process.exit(broken ? 1 : 0);
  }
  if (command === 'backup' || command === 'restore') {
    process.exit(await runBackupCommand(config, command, process.argv.slice(3)));
  }
  if (command === 'retention:enforce') {
    process.exit(await runRetentionCommand(config, process.argv.slice(3)));
  }
  console.error(
    'Usage: cli.js migrate | audit:verify | backup | restore [file] | retention:enforce [--workspace=ID] [--rule=KEY ...]',
  );
  process.exit(2);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
