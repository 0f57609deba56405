/**
 * Every area of the console, in the order their routes are registered. An
 * area is one file here (routes) and usually one in `../views/` (pages).
 */
import type { Web } from '../web.js';
import { registerActionLinks } from './action-links.js';
import { registerAgreements } from './agreements.js';
import { registerCases } from './cases.js';
import { registerCoordination } from './coordination.js';
import { registerDirectory } from './directory.js';
import { registerInbox } from './inbox.js';
import { registerIndicators } from './indicators.js';
import { registerLinks } from './links.js';
import { registerNewReferral } from './new-referral.js';
import { registerPreferences } from './preferences.js';
import { registerReferrals } from './referrals.js';
import { registerSent } from './sent.js';
import { registerSupervision } from './supervision.js';

export const ROUTES: readonly ((web: Web) => void)[] = [
  registerInbox,
  registerSent,
  registerNewReferral,
  registerReferrals,
  registerCases,
  registerSupervision,
  registerAgreements,
  registerCoordination,
  registerIndicators,
  registerPreferences,
  registerDirectory,
  registerLinks,
  registerActionLinks,
];
