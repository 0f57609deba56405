/** A new referral (to be built). */
import type { Web } from '../web.js';

export function registerNewReferral(web: Web): void {
  void web;
}
