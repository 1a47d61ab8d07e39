import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './start.ts';

/** Entry point: `node dist/main.js [--services=api,worker,scheduler] [--demo]`. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const servicesArg = args.find((a) => a.startsWith('--services='));
  const env = { ...process.env };
  if (servicesArg) env.SERVICES = servicesArg.slice('--services='.length);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  await startServer(config, {
    demo: args.includes('--demo'),
    signals: process,
    exit: (code) => process.exit(code),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
