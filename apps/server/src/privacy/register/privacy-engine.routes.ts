import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { registerConsentRoutes } from '../consent/consent.routes.ts';
import { registerPurposeRoutes } from '../purposes/purposes.routes.ts';
import { registerRestrictionRoutes } from '../restriction/restriction.routes.ts';
import { registerRegisterRoutes } from './register.routes.ts';

/** Purposes, consent, restriction, objections, the register and the notice (issue 4, part C). */
export function registerPurposeConsentRoutes(app: FastifyInstance, services: Services): void {
  registerPurposeRoutes(app, services);
  registerConsentRoutes(app, services);
  registerRestrictionRoutes(app, services);
  registerRegisterRoutes(app, services);
}
