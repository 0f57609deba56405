/** Indicators, de-identified (to be built). */
import type { Web } from '../web.js';

export function registerIndicators(web: Web): void {
  void web;
}
