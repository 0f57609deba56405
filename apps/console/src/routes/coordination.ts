/** Coordination of the network (to be built). */
import type { Web } from '../web.js';

export function registerCoordination(web: Web): void {
  void web;
}
