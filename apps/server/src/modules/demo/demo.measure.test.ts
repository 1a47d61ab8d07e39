import { it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { crmWorkspace } from '../people/people.test-helpers.ts';
import { type DemoKind, loadDemoWorkspace } from './demo.service.ts';

/**
 * Not part of `npm test`: times a demo load at `DEMO_MEASURE` people (e.g. 3000), printing
 * the time per kind. Run by hand:
 *   DEMO_MEASURE=3000 TEST_DATABASE_URL=... npx vitest run apps/server/src/modules/demo/demo.measure.test.ts
 * (from the repository root; on PostgreSQL only, unless DEMO_MEASURE_DB=pglite).
 */
const PEOPLE = Number(process.env.DEMO_MEASURE ?? 0);

describeEachDatabase('demo load, measured', (get) => {
  it.runIf(PEOPLE > 0)(
    `loads ${PEOPLE} people and prints the time per kind`,
    async () => {
      const env = get();
      if (env.kind !== (process.env.DEMO_MEASURE_DB ?? 'postgres')) return;
      const w = await crmWorkspace(env, 'Measured');
      const perKind = new Map<DemoKind, { ms: number; records: number }>();
      const loadavg = async () => (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
      console.log(`start loadavg ${await loadavg()}`);
      const out = await loadDemoWorkspace(
        env.services,
        { workspaceId: w.workspaceId, userId: w.owner.userId, role: 'owner', twoFactorEnabled: true },
        {
          people: PEOPLE,
          onBatch: (p) => {
            const k = perKind.get(p.kind) ?? { ms: 0, records: 0 };
            perKind.set(p.kind, { ms: k.ms + p.ms, records: k.records + p.records });
          },
        },
      );
      console.log(`end loadavg ${await loadavg()}`);
      for (const [kind, v] of perKind) {
        console.log(
          `${kind}: ${v.records} in ${(v.ms / 1000).toFixed(1)} s (${(v.ms / v.records).toFixed(1)} ms each)`,
        );
      }
      console.log(`total ${(out.ms / 1000).toFixed(1)} s, complete ${out.complete}`);
    },
    3_600_000,
  );
});
