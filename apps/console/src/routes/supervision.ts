/** Supervision (to be built). */
import type { Web } from '../web.js';

export function registerSupervision(web: Web): void {
  void web;
}
