#!/usr/bin/env node
// `npm start`: installs what is missing, builds what is stale, then serves Tillit (the
// server migrates the database on start). Arguments after `--` go to the server
// (`npm start -- --demo`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Tillit needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
  console.log('Installing dependencies...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const sources = Math.max(newest('apps/server/src'), newest('apps/web/src'), newest('packages/contracts/src'));
const built = ['apps/server/dist/main.js', 'apps/web/dist/index.html'];
const stale = built.some((f) => !existsSync(f)) || Math.min(...built.map((f) => statSync(f).mtimeMs)) < sources;
if (stale) {
  console.log('Building...');
  run('npm', ['run', 'build']);
}

// The server runs as a child; a signal sent to this process (a service manager's SIGTERM)
// is passed on, so stopping `npm start` never leaves the server running on its own.
const server = spawn(process.execPath, ['apps/server/dist/main.js', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
  env: { NODE_ENV: 'production', ...process.env },
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => server.kill(signal));
}
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
