import { describe, expect, it } from 'vitest';
import { timeLeft } from '../src/domain/ussd-menu.js';

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
