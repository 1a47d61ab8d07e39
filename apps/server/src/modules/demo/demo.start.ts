import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { members, users } from '../../db/schema/index.ts';
import { withUser } from '../../db/tenant.ts';
import { AppError } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { completeFirstRun } from '../setup/setup.service.ts';
import { requestDemoLoad } from './demo.jobs.ts';

export const DEMO_OWNER_EMAIL = 'demo@tillit.example';

/**
 * `--demo`: on an instance that has not been set up, does the first run with a demo owner
 * account and asks for the demo workspace; on one that is set up, says so and changes
 * nothing. The password is random and printed once: an instance started with --demo may
 * listen on more than localhost, and a fixed password would then be an open door.
 */
export async function startDemoInstance(services: Services, print: (line: string) => void): Promise<void> {
  const [existing] = await services.database.db.select({ id: users.id }).from(users).limit(1);
  if (existing) {
    if (await resumeDemo(services)) {
      print('--demo: this instance was set up with --demo; its demo data is completed if a load was cut short.');
      return;
    }
    print('--demo only applies to a new instance; this one is set up already, so it starts as it is.');
    return;
  }
  const password = randomBytes(15).toString('base64url');
  try {
    await completeFirstRun(
      services,
      {
        account: {
          email: DEMO_OWNER_EMAIL,
          password,
          firstName: 'Demo',
          lastName: 'Owner',
          dateOfBirth: '1990-01-01',
          locale: 'en',
        },
        workspace: { name: 'Demo workspace', country: 'NO', region: 'no' },
        demo: true,
      },
      new Headers({ 'user-agent': 'tillit --demo' }),
    );
  } catch (err) {
    if (err instanceof AppError && err.code === 'already_set_up') {
      print('--demo only applies to a new instance; this one is set up already, so it starts as it is.');
      return;
    }
    throw err;
  }
  print('');
  print('Demo instance ready. Sign in with this account (the password is shown only now):');
  print(`  URL:      ${services.config.publicUrl}`);
  print(`  Email:    ${DEMO_OWNER_EMAIL}`);
  print(`  Password: ${password}`);
  print('The demo data (about 3,000 people) is loading in the background; it appears as it goes.');
  print('');
}

/** An instance set up with --demo and restarted with it: asks for the load again, which
 *  skips what is done (a restart cuts a running load short). */
async function resumeDemo(services: Services): Promise<boolean> {
  const db = services.database.db;
  const [demoUser] = await db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_OWNER_EMAIL));
  if (!demoUser) return false;
  const [m] = await withUser(db, demoUser.id, (tx) =>
    tx.select({ workspaceId: members.workspaceId }).from(members).where(eq(members.userId, demoUser.id)).limit(1),
  );
  if (!m) return false;
  requestDemoLoad(services, { workspaceId: m.workspaceId, userId: demoUser.id }, (err) =>
    console.error('demo load failed', err),
  );
  return true;
}
