import { createHash, randomBytes } from 'node:crypto';
import type { TAcceptedInvitation, TCreateInvitationInput, TInvitation, TInvitationLookup } from '@tillit/contracts';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { invitations, members, sessions, teamMembers, teams, users, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { AppError, conflict, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { assertCanInvite } from './workspaces.policy.ts';
import { invitationState, presentInvitation } from './workspaces.presenter.ts';
import type { Actor } from './workspaces.service.ts';

export const INVITATION_TTL_MS = 7 * DAY_MS;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only the hash of the whole token is stored: the database alone cannot accept an invitation. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A token names its workspace (so we know where to look) and carries 32 random bytes. */
export function newInvitationToken(workspaceId: string): string {
  return `${workspaceId}.${randomBytes(32).toString('base64url')}`;
}

// One answer for every token we cannot use to find an invitation: no hint of why.
const unknownToken = () => new AppError('invitation_not_found', 404, 'This invitation link is not valid.');

function workspaceOfToken(token: string): string {
  const dot = token.indexOf('.');
  const workspaceId = token.slice(0, dot).toLowerCase();
  if (dot !== 36 || !UUID.test(workspaceId)) throw unknownToken();
  return workspaceId;
}

const invitationColumns = {
  invitationId: invitations.invitationId,
  email: invitations.email,
  role: invitations.role,
  teamId: invitations.teamId,
  status: invitations.status,
  invitedBy: invitations.invitedBy,
  createdAt: invitations.createdAt,
  expiresAt: invitations.expiresAt,
};

/**
 * Invites `email` with `role` (and optionally into a team): stores the token's hash, mails
 * the link, records the invitation. Inviting the same address again replaces any pending
 * invitation, so "send again" is the same call.
 */
export async function createInvitation(
  services: Services,
  actor: Actor,
  input: TCreateInvitationInput,
): Promise<TInvitation> {
  assertCanInvite(actor.role, input.role);
  const now = services.clock.now();
  const token = newInvitationToken(actor.workspaceId);
  const { invitation, workspaceName, inviterName } = await withTenant(
    services.database.db,
    { workspaceId: actor.workspaceId, userId: actor.userId },
    async (tx) => {
      const [ws] = await tx
        .select({ name: workspaces.name })
        .from(workspaces)
        .where(eq(workspaces.workspaceId, actor.workspaceId));
      if (!ws) throw notFound('The workspace');
      if (input.teamId) {
        const [team] = await tx
          .select({ teamId: teams.teamId })
          .from(teams)
          .where(and(eq(teams.workspaceId, actor.workspaceId), eq(teams.teamId, input.teamId)));
        if (!team) throw new AppError('not_found', 404, 'The team was not found.', { teamId: 'no such team' });
      }
      const [existing] = await tx
        .select({ userId: members.userId })
        .from(members)
        .innerJoin(users, eq(users.id, members.userId))
        .where(and(eq(members.workspaceId, actor.workspaceId), sql`lower(${users.email}) = ${input.email}`));
      if (existing) {
        throw new AppError('already_member', 409, 'This person is already a member of the workspace.', {
          email: 'is already a member',
        });
      }
      const replaced = await tx
        .update(invitations)
        .set({ status: 'revoked' })
        .where(
          and(
            eq(invitations.workspaceId, actor.workspaceId),
            eq(invitations.email, input.email),
            eq(invitations.status, 'pending'),
          ),
        )
        .returning({ invitationId: invitations.invitationId });
      const [row] = await tx
        .insert(invitations)
        .values({
          workspaceId: actor.workspaceId,
          invitationId: newId(now.getTime()),
          email: input.email,
          role: input.role,
          teamId: input.teamId ?? null,
          tokenHash: hashToken(token),
          status: 'pending',
          invitedBy: actor.userId,
          expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
          createdAt: now,
        })
        .returning(invitationColumns);
      if (!row) throw new Error('invitation insert returned nothing');
      await appendAudit(
        tx,
        actor.workspaceId,
        {
          actor: { kind: 'user', id: actor.userId },
          action: 'member.invited',
          target: { type: 'invitation', id: row.invitationId },
          details: {
            role: input.role,
            teamId: input.teamId ?? null,
            replaced: replaced.map((r) => r.invitationId),
          },
          personal: { email: input.email },
        },
        now,
      );
      const [inviter] = await tx.select({ name: users.name }).from(users).where(eq(users.id, actor.userId));
      return { invitation: row, workspaceName: ws.name, inviterName: inviter?.name ?? 'A colleague' };
    },
  );
  // Mail goes out after the commit: a link is never sent for an invitation that was rolled back.
  const link = `${services.config.publicUrl}/invite/${token}`;
  try {
    await services.mail.send({
      kind: 'invitation',
      workspaceId: actor.workspaceId,
      to: input.email,
      subject: `You are invited to join ${workspaceName} on Tillit`,
      text: [
        `${inviterName} invited you to join the workspace "${workspaceName}" on Tillit as ${input.role}.`,
        '',
        `Accept the invitation: ${link}`,
        '',
        `The link works until ${invitation.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
        'If you did not expect this, ignore this message.',
      ].join('\n'),
    });
  } catch {
    throw new AppError(
      'mail_failed',
      502,
      'The invitation was saved, but the email could not be sent. Invite the same address again to resend it.',
    );
  }
  return presentInvitation(invitation, now);
}

/** Pending invitations (expired ones included, marked so), oldest first. */
export async function listInvitations(services: Services, actor: Actor): Promise<TInvitation[]> {
  const now = services.clock.now();
  return withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, async (tx) => {
    const rows = await tx
      .select(invitationColumns)
      .from(invitations)
      .where(and(eq(invitations.workspaceId, actor.workspaceId), eq(invitations.status, 'pending')))
      .orderBy(asc(invitations.invitationId));
    return rows.map((r) => presentInvitation(r, now));
  });
}

export async function revokeInvitation(services: Services, actor: Actor, invitationId: string): Promise<void> {
  const now = services.clock.now();
  await withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, async (tx) => {
    const [row] = await tx
      .select(invitationColumns)
      .from(invitations)
      .where(and(eq(invitations.workspaceId, actor.workspaceId), eq(invitations.invitationId, invitationId)))
      .for('update');
    if (!row) throw notFound('The invitation');
    if (row.status !== 'pending') {
      throw new AppError('invitation_not_pending', 409, `This invitation was already ${row.status}.`);
    }
    assertCanInvite(actor.role, row.role);
    await tx
      .update(invitations)
      .set({ status: 'revoked' })
      .where(and(eq(invitations.workspaceId, actor.workspaceId), eq(invitations.invitationId, invitationId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'invitation.revoked',
        target: { type: 'invitation', id: invitationId },
        details: { role: row.role },
        personal: { email: row.email },
      },
      now,
    );
  });
}

async function findByToken(tx: Tx, workspaceId: string, token: string, lock: boolean) {
  const q = tx
    .select({ ...invitationColumns, workspaceName: workspaces.name })
    .from(invitations)
    .innerJoin(workspaces, eq(workspaces.workspaceId, invitations.workspaceId))
    .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.tokenHash, hashToken(token))));
  const [row] = lock ? await q.for('update', { of: invitations }) : await q;
  return row;
}

/** What the invitation page shows before sign-in. Holding the token is the permission. */
export async function lookupInvitation(services: Services, token: string): Promise<TInvitationLookup> {
  const workspaceId = workspaceOfToken(token);
  const now = services.clock.now();
  const row = await withTenant(services.database.db, { workspaceId }, (tx) =>
    findByToken(tx, workspaceId, token, false),
  );
  if (!row) throw unknownToken();
  const status = invitationState(row, now);
  return {
    workspaceName: row.workspaceName,
    email: row.email,
    role: row.role,
    status,
    expired: status === 'expired',
    expiresAt: row.expiresAt.toISOString(),
  };
}

/**
 * Accepts an invitation for the signed-in user, whose email must be the invited one. The
 * token came by email to that address, so it also proves the user controls it.
 */
export async function acceptInvitation(
  services: Services,
  user: { id: string; email: string; sessionId: string },
  token: string,
): Promise<TAcceptedInvitation> {
  const workspaceId = workspaceOfToken(token);
  const now = services.clock.now();
  return withTenant(services.database.db, { workspaceId, userId: user.id }, async (tx) => {
    const row = await findByToken(tx, workspaceId, token, true);
    if (!row) throw unknownToken();
    const state = invitationState(row, now);
    if (state === 'revoked') throw new AppError('invitation_revoked', 410, 'This invitation was withdrawn.');
    if (state === 'expired') {
      throw new AppError('invitation_expired', 410, 'This invitation has expired. Ask for a new one.');
    }
    if (state === 'accepted') throw new AppError('invitation_used', 409, 'This invitation was already used.');
    if (row.email.toLowerCase() !== user.email.toLowerCase()) {
      throw new AppError(
        'invitation_email_mismatch',
        403,
        `This invitation is for ${row.email}. Sign in with that address to accept it.`,
      );
    }
    const [already] = await tx
      .select({ role: members.role })
      .from(members)
      .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, user.id)));
    if (already) throw conflict('You are already a member of this workspace.');
    await tx.insert(members).values({ workspaceId, userId: user.id, role: row.role, createdAt: now });
    let teamId: string | null = null;
    if (row.teamId) {
      const [team] = await tx
        .select({ teamId: teams.teamId })
        .from(teams)
        .where(and(eq(teams.workspaceId, workspaceId), eq(teams.teamId, row.teamId)));
      if (team) {
        await tx.insert(teamMembers).values({ workspaceId, teamId: team.teamId, userId: user.id, createdAt: now });
        teamId = team.teamId;
      }
    }
    await tx
      .update(invitations)
      .set({ status: 'accepted', acceptedBy: user.id, acceptedAt: now })
      .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.invitationId, row.invitationId)));
    await tx.update(users).set({ emailVerified: true, updatedAt: now }).where(eq(users.id, user.id));
    await tx.update(sessions).set({ activeWorkspaceId: workspaceId }).where(eq(sessions.id, user.sessionId));
    await appendAudit(
      tx,
      workspaceId,
      {
        actor: { kind: 'user', id: user.id },
        action: 'member.joined',
        target: { type: 'invitation', id: row.invitationId },
        subjectUserId: user.id,
        details: { role: row.role, teamId, invitedBy: row.invitedBy },
      },
      now,
    );
    return { workspaceId, role: row.role };
  });
}
