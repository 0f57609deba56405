/**
 * What every console page must be, measured in the browser: its weight
 * (every response the page loads, stylesheet included) and its serious or
 * critical axe-core violations. The page's context must bypass the CSP, so
 * that axe's script can run.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export type PageCheck = { label: string; bytes: number; violations: string[] };

/** Starts counting what `page` loads; `measure` opens a page and checks it. */
export async function pageChecker(page: Page): Promise<(label: string, open: () => Promise<unknown>) => Promise<PageCheck>> {
  const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  let bodies: Promise<number>[] = [];
  page.on('response', (response) => {
    bodies.push(response.body().then((body) => body.length, () => 0));
  });
  return async (label, open) => {
    bodies = [];
    await open();
    await page.waitForLoadState('load');
    const bytes = (await Promise.all(bodies)).reduce((sum, n) => sum + n, 0);
    const violations = await page.evaluate(async (source) => {
      new Function(source)();
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null }[] }> } }).axe;
      const result = await axe.run();
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact})`);
    }, axeSource);
    return { label, bytes, violations };
  };
}

/** Every page under 100 KB transferred, with no serious or critical violation. */
export function expectLightAndAccessible(results: readonly PageCheck[]): void {
  process.stdout.write(`${results.map((r) => `${r.label}: ${r.bytes} bytes`).join('\n')}\n`);
  for (const result of results) {
    expect(result.bytes, result.label).toBeGreaterThan(0);
    expect(result.bytes, result.label).toBeLessThan(100 * 1024);
    expect(result.violations, result.label).toEqual([]);
  }
}
