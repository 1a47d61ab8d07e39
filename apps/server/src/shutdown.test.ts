import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { databasesUnderTest, openTestDatabase } from '../test/harness.ts';
import { buildApp } from './app.ts';
import { createServices } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { defineJob } from './jobs/jobs.registry.ts';
import { startJobs } from './jobs/jobs.runner.ts';
import { runInBackground } from './lib/background.ts';
import { createMemoryTransport } from './mail/mail.transport.ts';
import type { Services } from './services.ts';
import { createLifecycle, createShutdown } from './shutdown.ts';

type Gate = { promise: Promise<void>; open(): void };
function gate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

// The slow job of the first test: waits for its gate, then uses the database.
let jobGate = gate();
let jobEntered = gate();
const jobAnswers: number[] = [];
defineJob({
  name: 'test.shutdown-slow',
  version: 1,
  payload: z.object({}),
  handler: async (services) => {
    jobEntered.open();
    await jobGate.promise;
    const { rows } = await services.database.raw.query<{ answer: number }>('select 40 + 2 as answer');
    jobAnswers.push(Number(rows[0]?.answer));
    return { done: true };
  },
});

/** A real server (app, database, optional job runner) with a `/test/slow` route that waits
 *  for `requestGate`, then reads the database. */
async function startServer(kind: 'pglite' | 'postgres', requestGate: Gate, requestEntered: Gate) {
  const { database, drop } = await openTestDatabase(kind);
  const events: string[] = [];
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://localhost:3000',
    TILLIT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tillit-shutdown-')),
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
  });
  const services: Services = await createServices(config, {
    database,
    mail: createMemoryTransport(),
    replayErasureLedger: false,
  });
  const app = await buildApp(services, { webDist: null, logger: false });
  app.get('/test/slow', async () => {
    requestEntered.open();
    await requestGate.promise;
    const { rows } = await services.database.raw.query<{ answer: number }>('select 40 + 2 as answer');
    events.push('request answered');
    return { answer: Number(rows[0]?.answer) };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed = false;
  const trackedDatabase = {
    close: async () => {
      events.push('database closed');
      closed = true;
      await database.close();
    },
  };
  return {
    services,
    app,
    port,
    events,
    database: trackedDatabase,
    cleanUp: async () => {
      if (!closed) await database.close();
      // The harness's drop closes the pool before dropping the database; it is closed already.
      database.close = async () => {};
      await drop();
    },
  };
}

/** One GET on a keep-alive connection, as a browser or a proxy makes it. */
function get(port: number, pathName: string, agent: http.Agent | false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathName, agent }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const silent = { info: () => {}, warn: () => {} };

for (const kind of databasesUnderTest()) {
  describe(`graceful shutdown [${kind}]`, () => {
    it('stops accepting, lets the request, background run and job in flight finish, then closes the database', async () => {
      const requestGate = gate();
      const requestEntered = gate();
      const server = await startServer(kind, requestGate, requestEntered);
      const agent = new http.Agent({ keepAlive: true });
      const jobs = await startJobs(server.services, { worker: true, scheduler: false });
      try {
        jobGate = gate();
        jobEntered = gate();
        jobAnswers.length = 0;
        await jobs.boss?.send('test.shutdown-slow', {});
        await jobEntered.promise;

        const backgroundGate = gate();
        let backgroundAnswer = 0;
        runInBackground(
          'test.background',
          async () => {
            await backgroundGate.promise;
            const { rows } = await server.services.database.raw.query<{ n: number }>('select 7 as n');
            backgroundAnswer = Number(rows[0]?.n);
            server.events.push('background done');
          },
          (err) => server.events.push(`background failed: ${String(err)}`),
        );

        const answer = get(server.port, '/test/slow', agent);
        await requestEntered.promise;

        const started = Date.now();
        const shutdown = createShutdown({
          app: server.app,
          jobs,
          database: server.database,
          graceMs: 60_000,
          log: silent,
        });
        const done = shutdown();
        expect(shutdown()).toBe(done);

        // No new connection is accepted while the request is still being worked on.
        await expect.poll(() => server.app.server.listening).toBe(false);
        await expect(get(server.port, '/api/health', false)).rejects.toThrow(/ECONNREFUSED/);
        expect(server.events).toEqual([]);

        requestGate.open();
        const response = await answer;
        expect(response).toEqual({ status: 200, body: JSON.stringify({ answer: 42 }) });
        backgroundGate.open();
        jobGate.open();
        await done;

        expect(backgroundAnswer).toBe(7);
        expect(jobAnswers).toEqual([42]);
        expect(server.events.at(-1)).toBe('database closed');
        expect(server.events).toContain('request answered');
        expect(server.events).toContain('background done');
        // The answered keep-alive connection did not hold the shutdown until its timeout (72 s),
        // nor did the shutdown wait out its grace (60 s).
        expect(Date.now() - started).toBeLessThan(30_000);
      } finally {
        jobGate.open();
        agent.destroy();
        await server.cleanUp();
      }
    }, 90_000);

    it('waits no longer than the grace: a request that never ends is cut off and the database still closes', async () => {
      const requestGate = gate();
      const requestEntered = gate();
      const server = await startServer(kind, requestGate, requestEntered);
      const warnings: string[] = [];
      try {
        const answer = get(server.port, '/test/slow', false);
        // The socket is cut while the shutdown still closes the database: handled now, asserted below.
        answer.catch(() => {});
        await requestEntered.promise;
        await createShutdown({
          app: server.app,
          jobs: await startJobs(server.services, { worker: false, scheduler: false }),
          database: server.database,
          graceMs: 300,
          log: { info: () => {}, warn: (m) => warnings.push(m) },
        })();
        await expect(answer).rejects.toThrow(/socket hang up|ECONNRESET/);
        expect(server.events).toEqual(['database closed']);
        expect(warnings).toEqual([expect.stringContaining('requests still in flight after 300 ms')]);
      } finally {
        requestGate.open();
        await server.cleanUp();
      }
    }, 60_000);
  });
}

describe('start-up lifecycle', () => {
  it('a shutdown during a start-up step waits for it, stops what it started, and nothing more starts', async () => {
    const events: string[] = [];
    const life = createLifecycle({ graceMs: 10_000, log: silent });
    const migrated = gate();
    const database = { close: async () => void events.push('database closed') };
    const first = life.start(
      async () => {
        await migrated.promise;
        events.push('database ready');
        return database;
      },
      (d) => ({ database: d }),
    );
    const done = life.shutdown();
    expect(life.shutdown()).toBe(done);
    migrated.open();
    expect(await first).toBeNull();
    await done;
    let jobsStarted = false;
    expect(
      await life.start(async () => {
        jobsStarted = true;
      }),
    ).toBeNull();
    expect(jobsStarted).toBe(false);
    expect(events).toEqual(['database ready', 'database closed']);
    expect(life.parts).toEqual({ app: null, jobs: null, database });
  });

  it('a step that outlasts the grace: what has started is stopped, and the step failing after is not the start-up’s error', async () => {
    const events: string[] = [];
    const warnings: string[] = [];
    const life = createLifecycle({ graceMs: 100, log: { info: () => {}, warn: (m) => warnings.push(m) } });
    const database = { close: async () => void events.push('database closed') };
    expect(
      await life.start(
        async () => database,
        (d) => ({ database: d }),
      ),
    ).toBe(database);
    const loading = gate();
    const demo = life.start(async () => {
      await loading.promise;
      throw new Error('Cannot use a pool after calling end on the pool');
    });
    await life.shutdown();
    expect(events).toEqual(['database closed']);
    loading.open();
    expect(await demo).toBeNull();
    expect(warnings).toEqual([
      expect.stringContaining('a start-up step still running after 100 ms'),
      expect.stringContaining('Cannot use a pool'),
    ]);
  });

  it('a start-up step that fails with no shutdown under way fails the start-up', async () => {
    const life = createLifecycle({ graceMs: 100, log: silent });
    await expect(
      life.start(async () => {
        throw new Error('migration failed');
      }),
    ).rejects.toThrow('migration failed');
  });
});
