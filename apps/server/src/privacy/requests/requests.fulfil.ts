import type { TFulfilPrivacyRequestResult, TPrivacyRequestDetail, ZFulfilPrivacyRequestBody } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { privacyRequestPackages, privacyRequests } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runInBackground } from '../../lib/background.ts';
import { AppError, conflict, notFound, validationFailed } from '../../lib/errors.ts';
import type { Actor } from '../../modules/workspaces/workspaces.service.ts';
import type { Services } from '../../services.ts';
import { recordAccess } from '../access-log/access-log.service.ts';
import {
  buildPackage,
  createPackage,
  downloadUrl,
  hashToken,
  openPackage,
  type PackageDownload,
  purgePackagesOf,
} from './requests.package.ts';
import { rightsFor } from './requests.rights.ts';
import {
  addStep,
  assertOpen,
  closeRequest,
  getRequest,
  inTenant,
  loadRequestForHandler,
  personIdsOf,
  type RequestRow,
  requestDetail,
  userStepActor,
} from './requests.service.ts';

/**
 * Fulfilment of each kind of request. Access and portability ask the package job for a
 * package and hand out its link; the other kinds call the privacy engine's own functions
 * (restriction, objection and consent from privacy/restriction and privacy/consent, erasure
 * from privacy/erasure) through `requests.rights.ts`, in the request's transaction.
 */

function startBuildNow(services: Services, workspaceId: string, packageId: string): void {
  // The job's sweep is the fallback; the lease makes sure only one run builds a package.
  runInBackground(
    'requests.package',
    () => buildPackage(services, workspaceId, packageId),
    () => {},
  );
}

export async function fulfilRequest(
  services: Services,
  actor: Actor,
  requestId: string,
  body: z.output<typeof ZFulfilPrivacyRequestBody>,
  options: { buildNow?: boolean } = {},
): Promise<TFulfilPrivacyRequestResult> {
  const now = services.clock.now();
  const result = await inTenant(services, actor, async (tx) => {
    const row = await loadRequestForHandler(tx, actor, requestId);
    assertOpen(row);
    const personIds = await personIdsOf(tx, actor.workspaceId, requestId);
    if (personIds.length === 0) {
      throw conflict(
        'The request is not matched to any person: match it to the person first, or refuse it if nobody is found.',
      );
    }
    if (row.kind === 'access' || row.kind === 'portability') {
      const pkg = await createPackage(tx, actor.workspaceId, requestId, personIds, now);
      await tx
        .update(privacyRequests)
        .set({ status: 'in_progress', updatedAt: now })
        .where(and(eq(privacyRequests.workspaceId, actor.workspaceId), eq(privacyRequests.requestId, requestId)));
      await addStep(tx, actor.workspaceId, row, userStepActor(actor), 'package_requested', now, {
        note: body.note ?? null,
        details: { packageId: pkg.packageId, people: personIds.length, expiresAt: pkg.expiresAt.toISOString() },
      });
      return { row, package: pkg, personIds };
    }
    const outcome = await applyRight(tx, services, actor, row, personIds, body, now);
    await closeRequest(tx, actor.workspaceId, row, userStepActor(actor), now, {
      status: 'fulfilled',
      outcome,
      note: body.note ?? null,
    });
    return { row, package: null, personIds };
  });
  if (result.row.kind === 'erasure') {
    // Copies of their data made for earlier requests go too (the bytes; the rows stay as the record).
    await purgePackagesOf(services, actor.workspaceId, result.personIds);
    if (result.row.requesterEmail) {
      await services.mail.send({
        to: result.row.requesterEmail,
        kind: 'privacy_request_erased',
        workspaceId: actor.workspaceId,
        subject: 'Your data was erased',
        text: `We erased the data we held about you (request ${requestId}), except what the law requires us to keep. We will not add you again unless you give us your consent.`,
      });
    }
  }
  let url: string | null = null;
  if (result.package) {
    url = downloadUrl(services, actor.workspaceId, result.package.token);
    if (result.row.requesterEmail) {
      await services.mail.send({
        to: result.row.requesterEmail,
        kind: 'privacy_request_package_link',
        workspaceId: actor.workspaceId,
        subject: 'A copy of your data',
        text: `We are preparing a copy of the data we hold about you (request ${requestId}). It will be ready at this link within a few minutes:\n\n${url}\n\nThe link works until ${result.package.expiresAt.toISOString().slice(0, 10)}. Keep it private: anyone with the link can download the data.`,
      });
    }
    if (options.buildNow !== false) startBuildNow(services, actor.workspaceId, result.package.packageId);
  }
  // The build started above may commit at any moment: read the answer in one snapshot.
  return { request: await getRequest(services, actor, requestId), downloadUrl: url };
}

async function applyRight(
  tx: Tx,
  services: Services,
  actor: Actor,
  row: RequestRow,
  personIds: string[],
  body: z.output<typeof ZFulfilPrivacyRequestBody>,
  now: Date,
): Promise<Record<string, unknown>> {
  const rights = rightsFor(row.kind);
  if (!rights) {
    throw new AppError(
      'not_available_yet',
      409,
      `Fulfilling a ${row.kind} request is not available yet in this version; handle it by hand and mark the steps with notes.`,
    );
  }
  if (rights.needsPurpose && !body.purposeKey) throw validationFailed({ purposeKey: 'must name the purpose' });
  if (row.kind === 'erasure' && body.confirm !== 'ERASE') throw validationFailed({ confirm: 'type ERASE to confirm' });
  return rights.fulfil(tx, services, actor, { request: row, personIds, purposeKey: body.purposeKey ?? null, now });
}

export async function refuseRequest(
  services: Services,
  actor: Actor,
  requestId: string,
  reason: string,
): Promise<TPrivacyRequestDetail> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await loadRequestForHandler(tx, actor, requestId);
    assertOpen(row);
    const rights = rightsFor(row.kind);
    if (rights?.onClose) {
      await rights.onClose(tx, services, actor, {
        request: row,
        personIds: await personIdsOf(tx, actor.workspaceId, requestId),
        purposeKey: null,
        now,
      });
    }
    await closeRequest(tx, actor.workspaceId, row, userStepActor(actor), now, { status: 'refused', reason });
    return requestDetail(tx, actor, await loadRequestForHandler(tx, actor, requestId), now);
  });
}

/** Staff download of a package (admins): recorded as an export of the people's data. */
export async function staffDownload(
  services: Services,
  actor: Actor,
  requestId: string,
  packageId: string,
  part: string | undefined,
): Promise<PackageDownload> {
  const now = services.clock.now();
  const pkg = await inTenant(services, actor, async (tx) => {
    const row = await loadRequestForHandler(tx, actor, requestId);
    const [p] = await tx
      .select()
      .from(privacyRequestPackages)
      .where(
        and(
          eq(privacyRequestPackages.workspaceId, actor.workspaceId),
          eq(privacyRequestPackages.packageId, packageId),
          eq(privacyRequestPackages.requestId, requestId),
        ),
      );
    if (!p) throw notFound('The package');
    assertDownloadable(p, now);
    await recordAccess(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'export',
        via: 'privacy_requests.package',
        subjects: { kind: 'person', ids: p.personIds },
      },
      now,
    );
    await addStep(tx, actor.workspaceId, row, userStepActor(actor), 'package_downloaded', now, {
      details: { packageId, part: part ?? 'zip', by: 'staff' },
    });
    return p;
  });
  return openPackage(services, pkg, part);
}

function assertDownloadable(p: typeof privacyRequestPackages.$inferSelect, now: Date): void {
  if (p.expiresAt.getTime() <= now.getTime() || p.purgedAt) {
    throw new AppError('link_expired', 410, 'This link has expired. Ask for a new copy of your data.');
  }
  if (p.state === 'failed') throw new AppError('package_failed', 409, p.error ?? 'The package could not be made.');
  if (p.state !== 'ready') {
    throw new AppError('package_not_ready', 409, 'Your data is still being prepared. Try again in a few minutes.');
  }
}

/** The person's download by the link: no account; every download is audited. */
export async function publicDownload(
  services: Services,
  workspaceId: string,
  token: string,
  part: string | undefined,
  client: { ip: string; userAgent: string | null },
): Promise<PackageDownload> {
  const now = services.clock.now();
  const pkg = await withTenant(services.database.db, { workspaceId }, async (tx) => {
    const [p] = await tx
      .select()
      .from(privacyRequestPackages)
      .where(
        and(
          eq(privacyRequestPackages.workspaceId, workspaceId),
          eq(privacyRequestPackages.tokenHash, hashToken(token)),
        ),
      )
      .for('update');
    if (!p) throw notFound('The link');
    assertDownloadable(p, now);
    const [row] = await tx
      .select()
      .from(privacyRequests)
      .where(and(eq(privacyRequests.workspaceId, workspaceId), eq(privacyRequests.requestId, p.requestId)));
    if (!row) throw notFound('The link');
    await tx
      .update(privacyRequestPackages)
      .set({ downloads: p.downloads + 1 })
      .where(
        and(eq(privacyRequestPackages.workspaceId, workspaceId), eq(privacyRequestPackages.packageId, p.packageId)),
      );
    await addStep(tx, workspaceId, row, { kind: 'anonymous', id: null }, 'package_downloaded', now, {
      details: { packageId: p.packageId, part: part ?? 'zip', by: 'link' },
      ip: client.ip,
    });
    return p;
  });
  return openPackage(services, pkg, part);
}
