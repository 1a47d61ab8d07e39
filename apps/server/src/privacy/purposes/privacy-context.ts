import type { InWorkspace } from '../../http/auth-context.ts';
import type { AuditActor } from '../audit/audit.service.ts';

/**
 * What the privacy services need to know about a change: the workspace, who acts (a
 * member, the system, the person themselves through a public link) and the time, read
 * once from the clock by the caller so a whole change carries one time.
 */
export type PrivacyCtx = { workspaceId: string; actor: AuditActor; now: Date };

export function privacyCtxOf(ctx: InWorkspace, now: Date): PrivacyCtx {
  return { workspaceId: ctx.workspaceId, actor: { kind: 'user', id: ctx.user.id }, now };
}
