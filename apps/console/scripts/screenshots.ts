/**
 * Screenshots of the console's main pages (those of `pages.ts` marked
 * `screenshot`), at phone (360×740) and desktop (1280×800) sizes, as PNG
 * files in apps/console/docs/screenshots/ named `<page>-<phone|desktop>.png`.
 * The README shows them. Everything on them is the demo's fictional case.
 *
 *   npm run screenshots                                   (a hub and console of its own)
 *   CONSOLE_URL=http://127.0.0.1:4300 npm run screenshots (a running `npm start`)
 *   npm run screenshots -- --only=referral,sent
 *   npm run screenshots -- --readme-only       (the README's table from the files already there)
 *
 * Then the README's "Screenshots" section (between its two markers) is
 * rewritten to show every page that has both shots in the folder.
 *
 * A page that answers 404 (not built yet) is skipped with a note. The phone
 * shot is the whole page up to 1,110 px tall (a screen and a half); the desktop shot is the window.
 * Env: see stack.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONSOLE_PAGES, byVisitor, selectedPages } from './pages.js';
import type { ConsolePage } from './pages.js';
import { openStack, signIn, statusOf } from './stack.js';

export const SCREENSHOT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

export const VIEWPORTS = {
  phone: { width: 360, height: 740 },
  desktop: { width: 1280, height: 800 },
} as const;

const README = fileURLToPath(new URL('../README.md', import.meta.url));
export const README_MARKERS = { start: '<!-- screenshots:start (written by npm run screenshots) -->', end: '<!-- screenshots:end -->' } as const;

/** The README's table of screenshots: one row per page that has both, in the list's order. */
export function screenshotsMarkdown(pages: readonly ConsolePage[], has: (file: string) => boolean): string {
  const rows = pages
    .filter((page) => has(`${page.id}-phone.png`) && has(`${page.id}-desktop.png`))
    .map((page) => `| ${page.label} | <img src="docs/screenshots/${page.id}-phone.png" width="180" alt="${page.label}, phone"> | <img src="docs/screenshots/${page.id}-desktop.png" width="480" alt="${page.label}, desktop"> |`);
  return ['| Page | Phone (360×740) | Desktop (1280×800) |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Replaces what is between the README's markers, and nothing else. */
export function withScreenshots(readme: string, table: string): string {
  const start = readme.indexOf(README_MARKERS.start);
  const end = readme.indexOf(README_MARKERS.end);
  if (start < 0 || end < start) throw new Error(`the README has no "${README_MARKERS.start}" … "${README_MARKERS.end}" section`);
  return `${readme.slice(0, start + README_MARKERS.start.length)}\n${table}\n${readme.slice(end)}`;
}

/** Long pages are cut here: the top of a page says what it is, and the files stay small. */
const PHONE_MAX_HEIGHT = 1_110;

async function updateReadme(): Promise<void> {
  const table = screenshotsMarkdown(CONSOLE_PAGES, (file) => existsSync(`${SCREENSHOT_DIR}${file}`));
  await writeFile(README, withScreenshots(await readFile(README, 'utf8'), table), 'utf8');
}

async function main(): Promise<number> {
  if (process.argv.includes('--readme-only')) {
    await updateReadme();
    return 0;
  }
  // Fails before the browser if the README has lost its markers.
  withScreenshots(await readFile(README, 'utf8'), '');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pages = selectedPages(process.argv.slice(2)).filter((page) => page.screenshot === true || process.argv.some((arg) => arg.startsWith('--only=')));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const stack = await openStack('screenshots', log);
  let total = 0;
  try {
    for (const [visitor, group] of byVisitor(pages)) {
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        const context = await stack.browser.newContext({ locale: 'fr-FR', viewport, deviceScaleFactor: 1 });
        try {
          const page = await context.newPage();
          await signIn(page, stack.consoleUrl, visitor);
          for (const consolePage of group) {
            const url = `${stack.consoleUrl}${consolePage.path(stack.facts)}`;
            if (consolePage.optional === true && (await statusOf(page, url)) === 404) {
              if (size === 'phone') log(`  ${consolePage.label}: skipped (404, not built yet)`);
              continue;
            }
            await page.goto(url, { waitUntil: 'load' });
            const file = `${SCREENSHOT_DIR}${consolePage.id}-${size}.png`;
            // An expression rather than a function: this file is typed for Node, without the DOM's types.
            const scrollHeight: unknown = await page.evaluate('document.documentElement.scrollHeight');
            const height = size === 'phone' && typeof scrollHeight === 'number' ? Math.min(PHONE_MAX_HEIGHT, scrollHeight) : viewport.height;
            await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
            await page.screenshot({ path: file, type: 'png' });
            await page.setViewportSize(viewport);
            const bytes = (await stat(file)).size;
            total += bytes;
            log(`  ${consolePage.id}-${size}.png: ${(bytes / 1024).toFixed(0)} KB`);
          }
        } finally {
          await context.close();
        }
      }
    }
  } finally {
    await stack.close();
  }
  await updateReadme();
  process.stdout.write(`Screenshots in ${SCREENSHOT_DIR}: ${(total / 1024).toFixed(0)} KB written; README's section updated\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main().catch((error: unknown) => {
    process.stderr.write(`screenshots: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  });
}
