import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { privacyNotices } from '../../db/schema/index.ts';
import { validationFailed } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { DEFAULT_NOTICE_BODY, noticeHash } from './notice.text.ts';

export { DEFAULT_NOTICE_BODY, noticeHash };

// The workspace's privacy notice, versioned (P-CK-2: each consent names the version it
// answered, with the SHA-256 of its text). Version 1 is written the first time a workspace
// needs one, from the default text; admins publish later versions.

export type NoticeRow = typeof privacyNotices.$inferSelect;

export async function latestNotice(tx: Tx, workspaceId: string): Promise<NoticeRow | null> {
  const [row] = await tx
    .select()
    .from(privacyNotices)
    .where(eq(privacyNotices.workspaceId, workspaceId))
    .orderBy(desc(privacyNotices.version))
    .limit(1);
  return row ?? null;
}

/** The current notice; version 1 (the default text) is published on first need. */
export async function currentNotice(tx: Tx, workspaceId: string, now: Date): Promise<NoticeRow> {
  const latest = await latestNotice(tx, workspaceId);
  if (latest) return latest;
  await tx
    .insert(privacyNotices)
    .values({
      workspaceId,
      version: 1,
      body: DEFAULT_NOTICE_BODY,
      textHash: noticeHash(DEFAULT_NOTICE_BODY),
      publishedAt: now,
      publishedBy: null,
    })
    .onConflictDoNothing();
  const row = await latestNotice(tx, workspaceId);
  if (!row) throw new Error('privacy notice: version 1 could not be written');
  return row;
}

export async function noticeVersion(tx: Tx, workspaceId: string, version: number, field = 'noticeVersion') {
  const [row] = await tx
    .select()
    .from(privacyNotices)
    .where(and(eq(privacyNotices.workspaceId, workspaceId), eq(privacyNotices.version, version)));
  if (!row) throw validationFailed({ [field]: `is not a version of this workspace's privacy notice: ${version}` });
  return row;
}

export async function listNoticeVersions(tx: Tx, workspaceId: string): Promise<NoticeRow[]> {
  return tx
    .select()
    .from(privacyNotices)
    .where(eq(privacyNotices.workspaceId, workspaceId))
    .orderBy(desc(privacyNotices.version))
    .limit(200);
}

/** Publishes a new version (the next number); a text equal to the current one is refused. */
export async function publishNotice(tx: Tx, ctx: PrivacyCtx, body: string): Promise<NoticeRow> {
  const current = await currentNotice(tx, ctx.workspaceId, ctx.now);
  const textHash = noticeHash(body);
  if (textHash === current.textHash) throw validationFailed({ body: 'is the same as the current version' });
  const [row] = await tx
    .insert(privacyNotices)
    .values({
      workspaceId: ctx.workspaceId,
      version: current.version + 1,
      body,
      textHash,
      publishedAt: ctx.now,
      publishedBy: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null,
    })
    .returning();
  if (!row) throw new Error('privacy notice: the new version was not written');
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: 'privacy.notice_published',
      target: { type: 'privacy_notice', id: String(row.version) },
      details: { version: row.version, textHash },
    },
    ctx.now,
  );
  return row;
}
