#!/usr/bin/env node
// `npm start`: installs what is missing, builds what is stale, then serves Tillit (the
// server migrates the database on start). Arguments after `--` go to the server
// (`npm start -- --demo`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

// The server runs in this process (imported, not spawned): a second Node.js process would
// stay resident beside it for nothing (~45 MB) and cost its own start. The server handles
// SIGTERM and SIGINT itself; its arguments are this script's (`process.argv.slice(2)`).
process.env.NODE_ENV ??= 'production';
await import(pathToFileURL(path.join(root, 'apps/server/dist/main.js')).href);
