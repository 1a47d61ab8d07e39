import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../test/harness.ts';
import { setUpInstance } from '../modules/account/account.testing.ts';

// A real SMTP server from Debian's packages (python3-aiosmtpd, installed by .ci/run),
// delivering into a maildir that the test reads.
const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
if (!available)
  console.log('SMTP tests SKIPPED: python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd).');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describe.skipIf(!available)('outgoing mail over SMTP', () => {
  let smtp: ChildProcess;
  let maildir: string;
  let env: TestEnv;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const port = await freePort();
    maildir = path.join(mkdtempSync(path.join(tmpdir(), 'tillit-smtp-')), 'mail');
    smtp = spawn(
      PYTHON,
      ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
      {
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.end();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (up) break;
      if (Date.now() > deadline) throw new Error('the SMTP server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await createTestEnv('pglite', {
      realMail: true,
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Tillit <no-reply@tillit.test>' },
    });
    env = created.env;
    close = created.close;
  }, 60_000);

  afterAll(async () => {
    await close?.();
    smtp?.kill();
  });

  it('sends the verification mail through the SMTP server when SMTP_URL is set, not to the outbox', async () => {
    expect(env.services.mail.kind).toBe('smtp');
    const { email } = await setUpInstance(env, { email: 'smtp-owner@example.test' });
    const deadline = Date.now() + 10_000;
    let messages: string[] = [];
    while (Date.now() < deadline) {
      const dir = path.join(maildir, 'new');
      messages = (() => {
        try {
          return readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'));
        } catch {
          return [];
        }
      })();
      if (messages.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const mail = messages.find((m) => m.includes(`To: ${email}`));
    expect(mail, 'a message to the new owner arrived').toBeDefined();
    expect(mail).toContain('From: Tillit <no-reply@tillit.test>');
    expect(mail).toContain('Subject: Confirm your email address for Tillit');
    expect(mail).toMatch(/\/api\/auth\/verify-email\?token=/);
    const outbox = await env.services.database.raw.query('select count(*)::int as n from outbox_messages');
    expect(outbox.rows[0]).toEqual({ n: 0 });
  });
});
