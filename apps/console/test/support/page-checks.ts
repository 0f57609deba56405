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
/** Opens a page (`open`) and measures it. */
export type Measure = (label: string, open: () => Promise<unknown>) => Promise<PageCheck>;
/** Opens a page (`open`) and expects it light and accessible at once. */
export type Check = (label: string, open: () => Promise<unknown>) => Promise<void>;

let axeSource: Promise<string> | undefined;

/** axe-core's script, read once per test file. */
function axeScript(): Promise<string> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** The serious or critical axe-core violations of the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  return page.evaluate(async (source) => {
    new Function(source)();
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null }[] }> } }).axe;
    const result = await axe.run();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact})`);
  }, await axeScript());
}

/** Starts counting what `page` loads; `measure` opens a page and checks it. */
export async function pageChecker(page: Page): Promise<Measure> {
  await axeScript();
  let bodies: Promise<number>[] = [];
  page.on('response', (response) => {
    bodies.push(response.body().then((body) => body.length, () => 0));
  });
  return async (label, open) => {
    bodies = [];
    await open();
    await page.waitForLoadState('load');
    const bytes = (await Promise.all(bodies)).reduce((sum, n) => sum + n, 0);
    return { label, bytes, violations: await axeViolations(page) };
  };
}

/** Like `pageChecker`, but each page is expected light and accessible as soon as it is open. */
export async function pageAsserter(page: Page): Promise<Check> {
  const measure = await pageChecker(page);
  return async (label, open) => {
    expectLightAndAccessible([await measure(label, open)]);
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
