/** The lead's sent referrals (to be built). */
import type { Web } from '../web.js';

export function registerSent(web: Web): void {
  void web;
}
