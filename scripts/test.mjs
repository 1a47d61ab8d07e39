#!/usr/bin/env node
// `npm test`: lint, type-check, unit and integration tests (on PGlite, and on PostgreSQL
// too when TEST_DATABASE_URL is set), then the browser tests when a Chromium is found.
// The last line is `N passed, N failed`, counted over every suite (lint and type-check
// count as one test each).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const out = mkdtempSync(path.join(tmpdir(), 'tillit-test-'));
let passed = 0;
let failed = 0;
const failures = [];

function step(title, cmd, args, env = {}) {
  console.log(`\n=== ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  return r.status === 0;
}

function check(title, cmd, args) {
  if (step(title, cmd, args)) passed++;
  else {
    failed++;
    failures.push(title);
  }
}

function vitest(title, args, env = {}) {
  const file = path.join(out, `${title.replace(/\W+/g, '-')}.json`);
  const ok = step(
    title,
    bin('vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`, ...args],
    env,
  );
  if (!existsSync(file)) {
    failed++;
    failures.push(`${title}: the test runner did not finish`);
    return;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A suite that fails to load has no failed tests but is still a failure.
  const brokenSuites = report.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0);
  failed += brokenSuites.length;
  for (const s of brokenSuites) failures.push(`${path.relative(root, s.name)} did not load`);
  if (!ok && report.numFailedTests === 0 && brokenSuites.length === 0) {
    failed++;
    failures.push(`${title}: exited with an error`);
  }
  for (const s of report.testResults) {
    for (const a of s.assertionResults) if (a.status === 'failed') failures.push(a.fullName);
  }
}

check('lint (biome)', bin('biome'), ['check', '.']);
check('type-check (tsc)', 'npm', ['run', '--silent', 'typecheck']);
console.log(
  process.env.TEST_DATABASE_URL
    ? '\nDatabase suites run on PGlite and on PostgreSQL (TEST_DATABASE_URL).'
    : '\nDatabase suites run on PGlite only; set TEST_DATABASE_URL to run them on PostgreSQL as well.',
);
vitest('unit and integration tests', []);

const chromium = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null);
if (chromium && existsSync(chromium)) {
  if (step('build for the browser tests', 'npm', ['run', '--silent', 'build'])) {
    vitest('browser tests', ['--config', 'e2e/vitest.config.ts'], { CHROMIUM_PATH: chromium });
  } else {
    failed++;
    failures.push('build for the browser tests');
  }
} else {
  console.log('\n=== browser tests SKIPPED: no Chromium found (set CHROMIUM_PATH or install /usr/bin/chromium).');
}

if (failures.length) {
  console.log('\nFailed:');
  for (const f of failures) console.log(`  - ${f}`);
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
