import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { storageKey } from '../../storage/storage.ts';
import { sweepStorageJob, thumbnailsJob } from './files.jobs.ts';
import { type CrmWorkspace, crmWorkspace, makePerson, pngImage, storedNames, uploadOk } from './files.test-helpers.ts';

/** The daily sweep deletes bytes no row refers to, never a file in use or one just written. */
describeEachDatabase('files: the storage sweep', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Sweep');
  }, 60_000);

  it('[P-CRM-7] removes orphaned bytes, stale temporary files and folders of deleted workspaces; keeps files and thumbnails', async () => {
    const storage = env().services.storage;
    const p = await makePerson(w.member.client);
    const kept = await uploadOk(env(), w.member.client, 'person', p.id, 'keep.png', await pngImage());
    await runJob(env().services, thumbnailsJob, {});
    const orphan = newId();
    await storage.put(storageKey(w.workspaceId, orphan), Readable.from([Buffer.from('left behind by a crash')]));
    const wsDir = path.join(env().config.files.dir, w.workspaceId);
    writeFileSync(path.join(wsDir, '.tmp-0123456789abcdef'), 'half a file');
    const gone = newId();
    mkdirSync(path.join(env().config.files.dir, gone));
    writeFileSync(path.join(env().config.files.dir, gone, newId()), 'of a deleted workspace');

    // Fresh objects are left alone (an upload may be between its put and its commit); a
    // folder whose workspace no longer exists goes at once.
    const early = await runJob(env().services, sweepStorageJob);
    expect(early).toEqual({ objects: 0, temporary: 0, workspaces: 1 });
    expect(storedNames(env(), w.workspaceId)).toContain(orphan);
    expect(await storage.listWorkspaces()).not.toContain(gone);

    // A day later (by the service clock, past the files' real modification time) they go.
    const ahead = Date.now() - env().clock.now().getTime() + 2 * DAY_MS;
    env().clock.advance(ahead);
    const result = await runJob(env().services, sweepStorageJob);
    expect(result).toEqual({ objects: 1, temporary: 1, workspaces: 0 });
    expect(storedNames(env(), w.workspaceId)).toEqual([kept.id, `${kept.id}.thumb`].sort());
    const again = await runJob(env().services, sweepStorageJob);
    expect(again).toEqual({ workspaces: 0, objects: 0, temporary: 0 });
  });
});
