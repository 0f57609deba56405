import { randomInt } from 'node:crypto';
import type { ReferralStatus } from './lifecycle.js';

/**
 * The statuses in which a referral is open: its reply code is its own among the open referrals of the recipient
 * organisation (the partial unique index `referral_open_reply_code_key` holds exactly these), and free again after.
 */
export const OPEN_STATUSES = ['submitted', 'acknowledged', 'accepted', 'in_progress'] as const satisfies readonly ReferralStatus[];

/** Draws per length before a longer code is tried. */
const DRAWS_PER_LENGTH = 25;

/** The lengths tried in turn: four digits while they are easy to find, then five, then six. */
const LENGTHS = [4, 5, 6] as const;

/**
 * A reply code (`OK 4821`): short enough to type on a feature phone, drawn at random with the system's
 * cryptographic generator, never derived from the referral or from another code, so one code tells nothing
 * about the others. It has no leading zero (phones and spreadsheets drop them). A code already held by an open
 * referral of the same recipient organisation (`taken`) is drawn again; when four digits keep colliding
 * (thousands open at once), five, then six.
 *
 * @param draw  the random source, `randomInt(min, max)` (max excluded); tests pass their own
 * @throws Error when no free code was found at six digits (a million open referrals at one organisation)
 */
export function drawReplyCode(taken: ReadonlySet<string>, draw: (min: number, max: number) => number = randomInt): string {
  for (const length of LENGTHS) {
    for (let attempt = 0; attempt < DRAWS_PER_LENGTH; attempt += 1) {
      const code = String(draw(10 ** (length - 1), 10 ** length));
      if (!taken.has(code)) return code;
    }
  }
  throw new Error('No free reply code could be drawn');
}

/** A code as a person typed it, or null when it cannot be one (the digits only, 4 to 6 of them). */
export function readReplyCode(typed: string): string | null {
  const code = typed.trim();
  return /^[1-9][0-9]{3,5}$/.test(code) ? code : null;
}
