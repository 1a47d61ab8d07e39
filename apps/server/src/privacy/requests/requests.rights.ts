import type { TPrivacyRequestKind } from '@tillit/contracts';
import type { Tx } from '../../db/client.ts';
import type { Actor } from '../../modules/workspaces/workspaces.service.ts';
import type { Services } from '../../services.ts';
import { erasePerson } from '../erasure/erasure.service.ts';
import type { RequestRow } from './requests.service.ts';

/**
 * The link between a kind of request and the privacy engine's function that carries it out
 * (restriction, objection, consent withdrawal, erasure). Each runs in the request's
 * transaction and returns what the request keeps as its outcome (ids and references only).
 * A kind without an entry answers 409 `not_available_yet`.
 */
export type RightInput = { request: RequestRow; personIds: string[]; purposeKey: string | null; now: Date };

export type Right = {
  needsPurpose?: boolean;
  /** When the request is received and matched (rectification: restrict while pending). */
  onIntake?(tx: Tx, services: Services, actor: Actor | null, input: RightInput): Promise<void>;
  fulfil(tx: Tx, services: Services, actor: Actor, input: RightInput): Promise<Record<string, unknown>>;
  /** When the request is refused (rectification: lift the restriction it placed). */
  onClose?(tx: Tx, services: Services, actor: Actor, input: RightInput): Promise<void>;
};

const RIGHTS: Partial<Record<TPrivacyRequestKind, Right>> = {
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
