/**
 * The received-referrals inbox: its tabs, and the order within a page
 * (overdue first, then the nearest deadline) with the time left.
 */
export const INBOX_TABS = {
  to_acknowledge: ['submitted'],
  to_decide: ['acknowledged'],
  in_progress: ['accepted', 'in_progress'],
  closed: ['declined', 'completed', 'not_delivered', 'withdrawn', 'closed'],
} as const;
export type InboxTab = keyof typeof INBOX_TABS;

export function isInboxTab(value: unknown): value is InboxTab {
  return typeof value === 'string' && Object.hasOwn(INBOX_TABS, value);
}

type Dated = { status: string; acknowledgeDueAt?: string | null; decisionDueAt?: string | null; updatedAt: string };

/** The deadline that matters now: acknowledgement while sent, decision once acknowledged. */
export function currentDeadline(referral: Dated): { kind: 'acknowledge' | 'decision'; at: Date } | undefined {
  if (referral.status === 'submitted' && referral.acknowledgeDueAt) return { kind: 'acknowledge', at: new Date(referral.acknowledgeDueAt) };
  if ((referral.status === 'submitted' || referral.status === 'acknowledged') && referral.decisionDueAt) return { kind: 'decision', at: new Date(referral.decisionDueAt) };
  return undefined;
}

/** Overdue first (most overdue on top), then the nearest deadline, then the rest by last change. */
export function byUrgencyOfDeadline<T extends Dated>(items: readonly T[], now: Date): T[] {
  const rank = (item: T): [number, number] => {
    const deadline = currentDeadline(item);
    if (deadline === undefined) return [2, -new Date(item.updatedAt).getTime()];
    return [deadline.at.getTime() < now.getTime() ? 0 : 1, deadline.at.getTime()];
  };
  return [...items].sort((a, b) => {
    const [ga, va] = rank(a);
    const [gb, vb] = rank(b);
    return ga - gb || va - vb;
  });
}

/** A duration as the largest whole unit (days, hours or minutes). */
export function durationParts(ms: number): { unit: 'days' | 'hours' | 'minutes'; n: number } {
  const minutes = Math.max(1, Math.floor(Math.abs(ms) / 60_000));
  if (minutes >= 48 * 60) return { unit: 'days', n: Math.floor(minutes / (24 * 60)) };
  if (minutes >= 60) return { unit: 'hours', n: Math.floor(minutes / 60) };
  return { unit: 'minutes', n: minutes };
}

/** Statuses whose acknowledgement or decision can be overdue (the API's `overdue` filter). */
const WITH_DEADLINE: readonly string[] = ['submitted', 'acknowledged'];

export function mayBeOverdue(statuses: readonly string[]): boolean {
  return statuses.some((s) => WITH_DEADLINE.includes(s));
}

/** Where a page of the inbox starts: in the overdue part or in the rest, at the API's cursor (none: the part's start). */
export type InboxCursor = { part: 'overdue' | 'rest'; cursor?: string | undefined };

const API_CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

/** The inbox's cursor in a URL: `o.<api cursor>` or `r.<api cursor>`, `r` alone for the start of the rest. */
export function formatInboxCursor(cursor: InboxCursor): string {
  const part = cursor.part === 'overdue' ? 'o' : 'r';
  return cursor.cursor === undefined ? part : `${part}.${cursor.cursor}`;
}

/** The cursor of a URL, or undefined when the console did not write it. */
export function parseInboxCursor(value: string): InboxCursor | undefined {
  const [part, api, ...more] = value.split('.');
  if (more.length > 0 || (part !== 'o' && part !== 'r')) return undefined;
  if (api !== undefined && !API_CURSOR.test(api)) return undefined;
  return { part: part === 'o' ? 'overdue' : 'rest', ...(api === undefined ? {} : { cursor: api }) };
}

/** A tab's count from one page of the largest size: its items, and whether there are more. */
export function tabCount(page: { items: readonly unknown[]; nextCursor?: string | null } | undefined): { count: number; more: boolean } {
  return { count: page?.items.length ?? 0, more: (page?.nextCursor ?? null) !== null };
}
