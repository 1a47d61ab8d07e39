import type { TPrivacyRequestKind } from '@tillit/contracts';
import type { Tx } from '../../db/client.ts';
import { validationFailed } from '../../lib/errors.ts';
import { updatePersonIn } from '../../modules/people/people.service.ts';
import type { Actor } from '../../modules/workspaces/workspaces.service.ts';
import type { Services } from '../../services.ts';
import type { AuditActor } from '../audit/audit.service.ts';
import { consentStateAt, recordConsent } from '../consent/consent.service.ts';
import { erasePerson } from '../erasure/erasure.service.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { recordObjection } from '../purposes/purposes.service.ts';
import { activeRestriction, liftRestriction, restrictPerson } from '../restriction/restriction.service.ts';
import type { Correction, RequestRow } from './requests.service.ts';

/**
 * The link between a kind of request and the privacy engine's function that carries it out:
 * restriction (privacy/restriction), objection (privacy/purposes), withdrawal of consent
 * (privacy/consent), erasure (privacy/erasure). Each runs in the request's transaction and
 * returns what the request keeps as its outcome (ids and references only). A kind without an
 * entry answers 409 `not_available_yet`.
 */
export type RightInput = { request: RequestRow; personIds: string[]; purposeKey: string | null; now: Date };

export type Right = {
  needsPurpose?: boolean;
  /** When the request is received and matched to people (rectification: restrict while pending). */
  onIntake?(tx: Tx, actor: AuditActor, input: RightInput): Promise<void>;
  fulfil(tx: Tx, services: Services, actor: Actor, input: RightInput): Promise<Record<string, unknown>>;
  /** When the request is refused (rectification: lift the restriction it placed). */
  onClose?(tx: Tx, services: Services, actor: Actor, input: RightInput): Promise<void>;
};

const ctxOf = (workspaceId: string, actor: AuditActor, now: Date): PrivacyCtx => ({ workspaceId, actor, now });
const staff = (actor: Actor, now: Date) => ctxOf(actor.workspaceId, { kind: 'user', id: actor.userId }, now);

/** Lifts the restrictions this request placed (a restriction placed for another reason stays). */
async function liftOwnRestrictions(tx: Tx, actor: Actor, input: RightInput, reason: string): Promise<string[]> {
  const lifted: string[] = [];
  for (const personId of input.personIds) {
    const active = await activeRestriction(tx, actor.workspaceId, personId);
    if (active && active.requestId === input.request.requestId) {
      const row = await liftRestriction(tx, staff(actor, input.now), personId, { reason });
      lifted.push(row.restrictionId);
    }
  }
  return lifted;
}

const RIGHTS: Partial<Record<TPrivacyRequestKind, Right>> = {
  // P-DSR-2: processing is restricted from the moment the request is matched to the person
  // until the correction is applied (fulfilment) or refused.
  rectification: {
    async onIntake(tx, actor, input) {
      for (const personId of input.personIds) {
        await restrictPerson(tx, ctxOf(input.request.workspaceId, actor, input.now), personId, {
          reason: `A correction is pending (request ${input.request.requestId})`,
          requestId: input.request.requestId,
        });
      }
    },
    // The correction goes through the people service as any update would (audit
    // `person.updated`, search index, outbox `person.updated`), passing only this request's
    // own restriction; then that restriction is lifted. One transaction: all or nothing.
    async fulfil(tx, services, actor, input) {
      const correction = input.request.correction as Correction | null;
      if (!correction || Object.keys(correction).length === 0) {
        throw validationFailed({
          correction: 'is empty: enter the corrected values before fulfilling, or refuse the request',
        });
      }
      for (const personId of input.personIds) {
        await updatePersonIn(tx, services, actor, personId, correction, { correctionOf: input.request.requestId });
      }
      const lifted = await liftOwnRestrictions(tx, actor, input, `Corrected (request ${input.request.requestId})`);
      return { corrected: input.personIds, fields: Object.keys(correction).sort(), restrictionsLifted: lifted };
    },
    async onClose(tx, _services, actor, input) {
      await liftOwnRestrictions(tx, actor, input, `Correction refused (request ${input.request.requestId})`);
    },
  },
  // Art. 18: restriction asked for as such.
  restriction: {
    async fulfil(tx, _services, actor, input) {
      const ids: string[] = [];
      for (const personId of input.personIds) {
        const row = await restrictPerson(tx, staff(actor, input.now), personId, {
          reason: `The person asked for restriction (request ${input.request.requestId})`,
          requestId: input.request.requestId,
        });
        ids.push(row.restrictionId);
      }
      return { restrictionIds: ids };
    },
  },
  // P-DSR-5: objection to a legitimate-interest purpose (all of them when none is named).
  objection: {
    async fulfil(tx, _services, actor, input) {
      const ids: string[] = [];
      for (const personId of input.personIds) {
        const row = await recordObjection(tx, staff(actor, input.now), personId, {
          scope: 'legitimate_interest',
          purposeKey: input.purposeKey,
          reason: `Request ${input.request.requestId}`,
        });
        ids.push(row.objectionId);
      }
      return { objectionIds: ids, scope: 'legitimate_interest', purposeKey: input.purposeKey };
    },
  },
  // P-DSR-7: objection to automated decision-making and profiling.
  objection_automated: {
    async fulfil(tx, _services, actor, input) {
      const ids: string[] = [];
      for (const personId of input.personIds) {
        const row = await recordObjection(tx, staff(actor, input.now), personId, {
          scope: 'profiling',
          purposeKey: null,
          reason: `Request ${input.request.requestId}`,
        });
        ids.push(row.objectionId);
      }
      return { objectionIds: ids, scope: 'profiling' };
    },
  },
  // P-DSR-6: withdrawal of the named consent, or of every consent the person has given.
  withdrawal: {
    async fulfil(tx, _services, actor, input) {
      const records: string[] = [];
      const purposes = new Set<string>();
      for (const personId of input.personIds) {
        const keys = input.purposeKey
          ? [input.purposeKey]
          : [...(await consentStateAt(tx, actor.workspaceId, personId, input.now)).values()]
              .filter((c) => c.state === 'given')
              .map((c) => c.purposeKey);
        for (const purpose of keys) {
          const row = await recordConsent(tx, staff(actor, input.now), {
            personId,
            purpose,
            state: 'withdrawn',
            method: input.request.channel === 'public' ? 'web_form' : 'verbal',
            actorKind: 'staff',
            evidence: { requestId: input.request.requestId, channel: input.request.channel },
          });
          records.push(row.recordId);
          purposes.add(purpose);
        }
      }
      return { consentRecords: records, purposes: [...purposes] };
    },
  },
  // P-DSR-3 through privacy/erasure: each matched person is erased (except what a legal hold
  // keeps); their certificates become the request's outcome.
  erasure: {
    async fulfil(tx, services, actor, input) {
      const certificates = [];
      for (const personId of input.personIds) {
        certificates.push(
          await erasePerson(
            tx,
            { services, workspaceId: actor.workspaceId, actor: { kind: 'user', id: actor.userId } },
            personId,
            { requestId: input.request.requestId, reason: `Erasure request ${input.request.requestId}` },
          ),
        );
      }
      return { certificates };
    },
  },
};

export function rightsFor(kind: TPrivacyRequestKind): Right | undefined {
  return RIGHTS[kind];
}
