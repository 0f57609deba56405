/** A case, for its lead (to be built). */
import type { Web } from '../web.js';

export function registerCases(web: Web): void {
  void web;
}
