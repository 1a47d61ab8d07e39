import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { databasesUnderTest, TestClient, type TestEnv } from '../../../test/harness.ts';
import { buildApp } from '../../app.ts';
import { createServices } from '../../bootstrap.ts';
import { type Config, loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import { people, tombstones } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { createManualClock } from '../../lib/clock.ts';
import { createMemoryTransport } from '../../mail/mail.transport.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import {
  backupSettings,
  ledgersToReplay,
  listBackups,
  replayErasureLedger,
  replayLedgerAtStart,
  restoreBackup,
  takeBackup,
} from './backup.service.ts';
import { ledgerPath, readLedger } from './erasure-ledger.ts';

/**
 * P-SEC-8 on both databases, with a database that a backup can reach: PGlite in a data
 * directory (not in memory), PostgreSQL in a database of its own. The app is opened, closed
 * for the backup and the restore (as an operator would stop the server), and opened again.
 */
type Instance = { config: Config; settings: ReturnType<typeof backupSettings>; drop(): Promise<void> };

async function makeInstance(kind: 'pglite' | 'postgres'): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tillit-backup-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://localhost:3000',
    TILLIT_DATA_DIR: dataDir,
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
  };
  let drop = async () => {};
  let backupUrl: string | undefined;
  if (kind === 'postgres') {
    const base = process.env.TEST_DATABASE_URL as string;
    const name = `tillit_bk_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    // pg_dump and pg_restore need a role that bypasses row-level security.
    const su = new URL(process.env.TEST_BACKUP_DATABASE_URL ?? url.toString());
    if (!process.env.TEST_BACKUP_DATABASE_URL) su.username = 'postgres';
    su.pathname = `/${name}`;
    backupUrl = su.toString();
    drop = async () => {
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  }
  const config = loadConfig(env);
  const settings = backupSettings(config, {
    BACKUP_DIR: path.join(dataDir, 'my-backups'),
    ...(backupUrl ? { BACKUP_DATABASE_URL: backupUrl } : {}),
  });
  return { config, settings, drop };
}

async function open(
  config: Config,
  opts: { replayErasureLedger?: boolean } = {},
): Promise<{ env: TestEnv; close(): Promise<void> }> {
  const database = await openDatabase(
    config.database.kind === 'postgres'
      ? { kind: 'postgres', url: config.database.url, poolSize: 5 }
      : { kind: 'pglite', dataDir: config.database.dataDir },
  );
  const clock = createManualClock(new Date('2026-01-05T09:00:00Z'));
  const mail = createMemoryTransport();
  const services = await createServices(config, {
    database,
    clock,
    mail,
    rateLimit: { window: 60, max: 100000, signInMax: 100000 },
    ...(opts.replayErasureLedger === false ? { replayErasureLedger: false } : {}),
  });
  const app = await buildApp(services, { webDist: null, logger: false });
  await app.ready();
  const env: TestEnv = {
    kind: config.database.kind,
    services,
    app,
    clock,
    mail,
    config,
    client: () => new TestClient(app),
  };
  return {
    env,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** The users' clients keep their cookies (sessions are in the database) across a reopen. */
function rebind(w: CrmWorkspace, env: TestEnv): void {
  for (const u of [w.owner, w.admin, w.member, w.other, w.viewer]) {
    (u.client as unknown as { app: TestEnv['app'] }).app = env.app;
  }
}

for (const kind of databasesUnderTest()) {
  describe(`backup and restore [${kind}]`, () => {
    let instance: Instance | undefined;
    let second: Instance | undefined;
    afterAll(async () => {
      await instance?.drop();
      await second?.drop();
    }, 60_000);

    it('[P-SEC-8] [P-DSR-3] a restore of a backup taken before an erasure does not bring the person back; the tombstones are there', async () => {
      instance = await makeInstance(kind);
      const { config, settings } = instance;
      let app = await open(config);
      const w: CrmWorkspace = await crmWorkspace(app.env, 'Backups');
      const erased = await makePerson(w.owner.client, {
        firstName: 'Restored',
        lastName: 'Never',
        emails: [{ value: 'never.back@example.com', type: 'work' }],
        phones: [{ value: '+4792000001', type: 'mobile' }],
      });
      const kept = await makePerson(w.owner.client, { firstName: 'Kept', lastName: 'Person' });
      await app.close();

      // 1. The backup: a file with the time in its name, in the configured directory.
      const backup = await takeBackup(config, settings, new Date('2026-01-05T10:00:00Z'));
      expect(path.dirname(backup.file)).toBe(settings.dir);
      expect(path.basename(backup.file)).toMatch(/^tillit-(pglite|postgres)-2026-01-05T10-00-00-000Z\.(tar\.gz|dump)$/);
      expect(listBackups(settings)).toEqual([backup.file]);
      expect(existsSync(backup.ledger)).toBe(true);

      // 2. After the backup, the person is erased (the ledger outside the database records it).
      app = await open(config);
      rebind(w, app.env);
      const res = await w.admin.client.post(`/api/v1/people/${erased.id}/erase`, {
        reason: 'asked to be forgotten',
        confirm: 'ERASE',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // Someone added after the backup and erased too: the backup knows neither them nor their tombstone.
      const late = await makePerson(w.owner.client, { emails: [{ value: 'late@example.com', type: 'work' }] });
      const lateRes = await w.admin.client.post(`/api/v1/people/${late.id}/erase`, {
        reason: 'asked',
        confirm: 'ERASE',
      });
      expect(lateRes.status).toBe(200);
      await app.close();
      const ledger = readLedger(ledgerPath(config.dataDir));
      expect(ledger.map((e) => e.type === 'erasure' && e.personId)).toEqual([erased.id, late.id]);
      const raw = readFileSync(ledgerPath(config.dataDir), 'utf8');
      for (const s of ['never.back', 'Restored', '4792000001']) expect(raw).not.toContain(s);

      // 3. The restore brings back the database as it was at the backup, then replays the ledger
      //    (as `npm run restore` does; a plain start replays by itself, see the next test).
      await restoreBackup(config, settings, backup.file);
      app = await open(config, { replayErasureLedger: false });
      rebind(w, app.env);
      const before = await withTenant(app.env.services.database.db, { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select({ id: people.personId })
          .from(people)
          .where(and(eq(people.workspaceId, w.workspaceId), eq(people.personId, erased.id))),
      );
      // Proof that the backup predates the erasure: she is in the restored data until the replay.
      expect(before).toHaveLength(1);
      const replay = await replayErasureLedger(app.env.services, ledgersToReplay(config, settings));
      expect(replay).toMatchObject({ erasedAgain: 1, tombstones: 3 });

      expect((await w.admin.client.get(`/api/v1/people/${erased.id}`)).status).toBe(404);
      expect((await w.admin.client.get(`/api/v1/people/${kept.id}`)).status).toBe(200);
      const tombs = await withTenant(app.env.services.database.db, { workspaceId: w.workspaceId }, (tx) =>
        tx.select().from(tombstones).where(eq(tombstones.workspaceId, w.workspaceId)),
      );
      expect(tombs.map((t) => [t.kind, t.liftedAt]).sort()).toEqual([
        ['email', null],
        ['email', null],
        ['phone', null],
      ]);
      const lateAgain = await w.member.client.post('/api/v1/people', {
        firstName: 'Late',
        emails: [{ value: 'late@example.com', type: 'work' }],
        subjectCategories: ['client'],
      });
      expect(lateAgain.status).toBe(409);
      const again = await w.member.client.post('/api/v1/people', {
        firstName: 'Restored',
        emails: [{ value: 'never.back@example.com', type: 'work' }],
        subjectCategories: ['client'],
      });
      expect(again.status).toBe(409);
      // A second replay changes nothing.
      expect(await replayErasureLedger(app.env.services, ledgersToReplay(config, settings))).toMatchObject({
        erasedAgain: 0,
      });
      await app.close();
    }, 180_000);

    it('[P-SEC-8] [P-DSR-3] a database restored by other means is replayed at start: the erased person is gone before the first request is answered', async () => {
      second = await makeInstance(kind);
      const { config, settings } = second;
      let app = await open(config);
      const w: CrmWorkspace = await crmWorkspace(app.env, 'RestoredElsewhere');
      const erased = await makePerson(w.owner.client, {
        firstName: 'Gone',
        lastName: 'ForGood',
        emails: [{ value: 'gone.for.good@example.com', type: 'work' }],
      });
      await app.close();
      const backup = await takeBackup(config, settings, new Date('2026-01-05T10:00:00Z'));
      app = await open(config);
      rebind(w, app.env);
      const res = await w.admin.client.post(`/api/v1/people/${erased.id}/erase`, {
        reason: 'asked to be forgotten',
        confirm: 'ERASE',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await app.close();

      // The operator puts the old copy back with their own tools (pg_restore, a copied PGlite
      // folder): no ledger replay is run by hand.
      await restoreBackup(config, settings, backup.file);
      const look = await openDatabase(
        config.database.kind === 'postgres'
          ? { kind: 'postgres', url: config.database.url, poolSize: 1 }
          : { kind: 'pglite', dataDir: config.database.dataDir },
      );
      const restored = await withTenant(look.db, { workspaceId: w.workspaceId }, (tx) =>
        tx.select({ id: people.personId }).from(people).where(eq(people.personId, erased.id)),
      );
      await look.close();
      expect(restored).toHaveLength(1); // the copy predates the erasure

      // A plain start: the very first request already finds the person erased.
      app = await open(config);
      rebind(w, app.env);
      expect((await w.admin.client.get(`/api/v1/people/${erased.id}`)).status).toBe(404);
      const again = await w.member.client.post('/api/v1/people', {
        firstName: 'Gone',
        emails: [{ value: 'gone.for.good@example.com', type: 'work' }],
        subjectCategories: ['client'],
      });
      expect(again.status).toBe(409);
      // The database now says it reflects the ledger: the next start has nothing to replay.
      expect(await replayLedgerAtStart(app.env.services, settings)).toBeNull();
      await app.close();
      app = await open(config);
      expect(await replayLedgerAtStart(app.env.services, settings)).toBeNull();
      await app.close();
    }, 180_000);
  });
}
