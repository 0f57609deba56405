import { describe, expect, it } from 'vitest';
import { requestKeyOf, timeLeft } from '../src/domain/ussd-menu.js';

describe('the time left on a USSD screen', () => {
  const now = new Date('2027-03-01T08:00:00.000Z');
  const due = (hours: number) => new Date(now.getTime() + hours * 3_600_000).toISOString();

  it.each([
    [{ dueAt: due(0.2), overdue: false }, 'fr', '1h'],
    [{ dueAt: due(5), overdue: false }, 'fr', '5h'],
    [{ dueAt: due(47.5), overdue: false }, 'en', '48h'],
    [{ dueAt: due(48), overdue: false }, 'fr', '48h'],
    [{ dueAt: due(49), overdue: false }, 'fr', '2j'],
    [{ dueAt: due(80), overdue: false }, 'en', '3d'],
    [{ dueAt: due(-1), overdue: false }, 'fr', 'retard'],
    [{ dueAt: due(10), overdue: true }, 'en', 'late'],
    [{ dueAt: null, overdue: false }, 'fr', '-'],
    [{ dueAt: 'not a date', overdue: false }, 'en', '-'],
  ] as const)('%j in %s is %s', (item, language, expected) => {
    expect(timeLeft(item, language, now)).toBe(expected);
  });
});

describe('the request key of a USSD step', () => {
  it('is the session and the path, within the 200 characters the referrals service takes', () => {
    expect(requestKeyOf('ATUid_1', '1*3*2')).toBe('ATUid_1:1*3*2');
    const long = requestKeyOf('s'.repeat(100), '1*'.repeat(50));
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).toBe(requestKeyOf('s'.repeat(100), '1*'.repeat(50)));
    expect(long).not.toBe(requestKeyOf('s'.repeat(100), `${'1*'.repeat(49)}2*`));
  });
});
