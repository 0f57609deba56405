/**
 * `npm run demo` names, beside each step, the console page where the person
 * would do it: these are the addresses it prints. (The walkthrough itself,
 * against a running hub, is run by the end-to-end tests.)
 */
import { describe, expect, it } from 'vitest';
import { CONSOLE_PATHS, consoleLink } from '../../scripts/demo/walkthrough.js';

describe('the walkthrough’s console pages', () => {
  it('joins the console’s address and a page’s path with one slash, whether the address ends with one or not', () => {
    expect(consoleLink('http://127.0.0.1:4300', '/sent')).toBe('http://127.0.0.1:4300/sent');
    expect(consoleLink('http://127.0.0.1:4300/', '/sent')).toBe('http://127.0.0.1:4300/sent');
    expect(consoleLink('https://hub.example.org/console//', CONSOLE_PATHS.directory())).toBe('https://hub.example.org/console/directory');
  });

  it('sends each step to its page: the case’s consents, the directory, a new referral, the referral’s link, the sent list, supervision, indicators', () => {
    expect(CONSOLE_PATHS.caseConsents('MV-20261123-2PUL')).toBe('/cases/MV-20261123-2PUL');
    expect(CONSOLE_PATHS.directory()).toBe('/directory');
    expect(CONSOLE_PATHS.newReferral()).toBe('/new-referral');
    expect(CONSOLE_PATHS.referral('REF-7K2QH')).toBe('/r/REF-7K2QH');
    expect(CONSOLE_PATHS.sent()).toBe('/sent');
    expect(CONSOLE_PATHS.supervision()).toBe('/supervision');
    expect(CONSOLE_PATHS.indicators()).toBe('/indicators');
    expect(CONSOLE_PATHS.preferences()).toBe('/preferences');
  });

  it('keeps a code one path segment, whatever it holds', () => {
    expect(CONSOLE_PATHS.caseConsents('a/b?c')).toBe('/cases/a%2Fb%3Fc');
    expect(CONSOLE_PATHS.referral('R 1#')).toBe('/r/R%201%23');
  });
});
