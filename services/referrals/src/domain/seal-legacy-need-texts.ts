import { findClearNeedTexts, replaceClearNeedText } from '../data-access/legacy-need-texts.js';
import type { ReferralDeps } from './deps.js';
import { sealNeedText } from './need-text.js';

/**
 * Seals the need texts of referrals written before need texts were sealed at
 * rest (a migration cannot: SQL has no key), and empties their clear column.
 * Run once at start; reads open either form meanwhile. Returns how many.
 */
export async function sealLegacyNeedTexts(deps: Pick<ReferralDeps, 'db' | 'cipher'>, batchSize = 200): Promise<number> {
  let sealed = 0;
  let afterId: string | null = null;
  for (;;) {
    const rows = await findClearNeedTexts(deps.db.client, afterId, batchSize);
    afterId = rows.at(-1)?.id ?? afterId;
    for (const row of rows) {
      if (row.needText === null) continue;
      const { needText: _clear, ...columns } = sealNeedText(deps.cipher, row.needText, row.id);
      await replaceClearNeedText(deps.db.client, row.id, row.needText, columns);
      sealed += 1;
    }
    if (rows.length < batchSize) return sealed;
  }
}
