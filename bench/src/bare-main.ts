import { startBareServer } from './bare-server.ts';

// `node bench/dist/bare.js`: the bare baseline server as its own process, configured by env.
const env = process.env;
const port = Number(env.PORT);
const workspaceId = env.BARE_WORKSPACE_ID ?? '';
const server =
  env.BARE_DATABASE_URL !== undefined
    ? await startBareServer({ kind: 'postgres', url: env.BARE_DATABASE_URL, workspaceId, port })
    : await startBareServer({ kind: 'pglite', dataDir: env.BARE_PGLITE_DIR ?? '', workspaceId, port });
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
