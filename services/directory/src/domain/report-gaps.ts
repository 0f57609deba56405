import type { Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { countServicesByTypeAndArea } from '../data-access/search.js';
import type { GapCell } from '../data-access/search.js';
import { requireAccess } from './access.js';

export type GapReport = { level: number; cells: GapCell[]; gaps: { type: string; areaCode: string }[] };

/**
 * For each service type and each area of `level`: how many active services
 * take referrals there (in the area or below it), and where none do — the
 * holes in the map a coordinator must fill. Coordinators only.
 */
export async function reportGaps(deps: { db: DirectoryDatabase }, principal: Principal, level: number): Promise<GapReport> {
  requireAccess(principal, 'report.gaps');
  const cells = await countServicesByTypeAndArea(deps.db.client, level);
  return { level, cells, gaps: cells.filter((cell) => cell.services === 0).map(({ type, areaCode }) => ({ type, areaCode })) };
}
