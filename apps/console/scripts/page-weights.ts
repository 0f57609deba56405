/**
 * The console's pages on a slow link: for each page of `pages.ts`, in
 * Chromium with the network emulated at 400 kbit/s down and up and 400 ms
 * round trip, cold cache, what was transferred (every response as sent,
 * compressed if it was, headers included), the time to the first byte and
 * the time to the load event. Prints a table and writes it as markdown.
 *
 *   npm run bench:console                      (a hub and console of its own)
 *   CONSOLE_URL=http://127.0.0.1:4300 npm run bench:console   (a running `npm start`)
 *   npm run bench:console -- --only=home,referral --out=/tmp/weights.md
 *   npm run bench:console -- --write-doc       (also the table of docs/benchmarks/console.md)
 *
 * Default output: page-weights.md in the current directory. Env: see stack.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { byVisitor, selectedPages } from './pages.js';
import type { ConsolePage, PageFacts } from './pages.js';
import { openStack, signIn, statusOf } from './stack.js';

/** 400 kbit/s both ways, 400 ms round trip: a loaded 3G or a rural link. */
export const SLOW_LINK = { offline: false, latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 } as const;

export type PageWeight = {
  page: ConsolePage;
  status: number;
  /** Responses (redirects included) fetched for the page. */
  requests: number;
  /** Everything received, as sent: headers and bodies, compressed if the server compressed. */
  transferred: number;
  /** The stylesheet(s), as sent. */
  stylesheets: number;
  /** Anything else, as sent: redirects, the favicon… */
  others: number;
  /** The HTML document alone, as sent (headers and body) and decoded. */
  documentTransferred: number;
  documentBody: number;
  /** What the HTML body would be gzipped (level 6), to tell what compression would save. */
  documentGzipped: number;
  /** How the server encoded the HTML ("identity" when not at all). */
  documentEncoding: string;
  /** From the navigation's first request to the HTML's response headers (after any redirect). */
  ttfbMs: number;
  /** From the navigation's first request to the load event (HTML, stylesheet and everything else). */
  loadMs: number;
  /** The same as seen from this script, around the browser's navigation. */
  wallMs: number;
};

export type Skipped = { page: ConsolePage; status: number; note: string };

/**
 * Counts the bytes of every response of one navigation, and times it, from
 * the DevTools protocol's events (one monotonic clock, throttling included,
 * as DevTools' own network panel shows them).
 */
class Transfers {
  private readonly pending = new Set<string>();
  private bytes = 0;
  private count = 0;
  private documentBytes = 0;
  private stylesheetBytes = 0;
  private readonly types = new Map<string, string>();
  private documentId: string | undefined;
  private startedAt: number | undefined;
  private firstByteAt: number | undefined;
  private loadedAt: number | undefined;
  documentEncoding = 'identity';

  constructor(cdp: CDPSession) {
    cdp.on('Network.requestWillBeSent', (event) => {
      // A redirect ends one response and starts the next request under the same id.
      if (event.redirectResponse !== undefined) {
        this.bytes += event.redirectResponse.encodedDataLength;
        this.count += 1;
      }
      this.pending.add(event.requestId);
      this.types.set(event.requestId, event.type ?? 'Other');
      if (event.type === 'Document') {
        this.documentId = event.requestId;
        this.startedAt ??= event.timestamp;
      }
    });
    cdp.on('Network.responseReceived', (event) => {
      if (event.requestId !== this.documentId) return;
      this.firstByteAt = event.timestamp;
      const encoding = Object.entries(event.response.headers).find(([name]) => name.toLowerCase() === 'content-encoding')?.[1];
      this.documentEncoding = encoding ?? 'identity';
    });
    cdp.on('Network.loadingFinished', (event) => {
      if (!this.pending.delete(event.requestId)) return;
      this.bytes += event.encodedDataLength;
      this.count += 1;
      if (event.requestId === this.documentId) this.documentBytes = event.encodedDataLength;
      if (this.types.get(event.requestId) === 'Stylesheet') this.stylesheetBytes += event.encodedDataLength;
    });
    cdp.on('Network.loadingFailed', (event) => {
      this.pending.delete(event.requestId);
    });
    cdp.on('Page.loadEventFired', (event) => {
      this.loadedAt = event.timestamp;
    });
  }

  reset(): void {
    this.pending.clear();
    this.bytes = 0;
    this.count = 0;
    this.documentBytes = 0;
    this.stylesheetBytes = 0;
    this.types.clear();
    this.documentId = undefined;
    this.startedAt = undefined;
    this.firstByteAt = undefined;
    this.loadedAt = undefined;
    this.documentEncoding = 'identity';
  }

  /** Waits until every request started has finished (the events may trail the load event). */
  async settled(): Promise<{ transferred: number; requests: number; document: number; stylesheets: number; ttfbMs: number | undefined; loadMs: number | undefined }> {
    const until = Date.now() + 10_000;
    while ((this.pending.size > 0 || this.loadedAt === undefined) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    const since = (at: number | undefined) => (at === undefined || this.startedAt === undefined ? undefined : Math.round((at - this.startedAt) * 1000));
    return { transferred: this.bytes, requests: this.count, document: this.documentBytes, stylesheets: this.stylesheetBytes, ttfbMs: since(this.firstByteAt), loadMs: since(this.loadedAt) };
  }
}

async function measure(page: Page, cdp: CDPSession, transfers: Transfers, url: string): Promise<Omit<PageWeight, 'page'>> {
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.emulateNetworkConditions', SLOW_LINK);
  transfers.reset();
  const started = Date.now();
  const response = await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  const wallMs = Date.now() - started;
  const { transferred, requests, document, stylesheets, ttfbMs, loadMs } = await transfers.settled();
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const body = response === null ? Buffer.alloc(0) : await response.body().catch(() => Buffer.alloc(0));
  return {
    status: response?.status() ?? 0,
    requests,
    transferred,
    stylesheets,
    others: transferred - document - stylesheets,
    documentTransferred: document,
    documentBody: body.length,
    documentGzipped: gzipSync(body).length,
    documentEncoding: transfers.documentEncoding,
    ttfbMs: ttfbMs ?? wallMs,
    loadMs: loadMs ?? wallMs,
    wallMs,
  };
}

/** Visits every page as its visitor, each on a cold cache over the slow link. */
export async function measurePages(
  options: { consoleUrl: string; browser: Browser; facts: PageFacts; pages: readonly ConsolePage[] },
  log: (line: string) => void,
): Promise<{ weights: PageWeight[]; skipped: Skipped[] }> {
  const weights: PageWeight[] = [];
  const skipped: Skipped[] = [];
  for (const [visitor, pages] of byVisitor(options.pages)) {
    const context = await options.browser.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 } });
    try {
      const page = await context.newPage();
      await signIn(page, options.consoleUrl, visitor);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Page.enable');
      const transfers = new Transfers(cdp);
      for (const consolePage of pages) {
        const url = `${options.consoleUrl}${consolePage.path(options.facts)}`;
        if (consolePage.optional === true) {
          const status = await statusOf(page, url);
          if (status === 404) {
            skipped.push({ page: consolePage, status, note: 'answers 404: not built yet' });
            log(`  ${consolePage.label}: skipped (404, not built yet)`);
            continue;
          }
        }
        const result = { page: consolePage, ...(await measure(page, cdp, transfers, url)) };
        weights.push(result);
        log(`  ${consolePage.label}: ${kb(result.transferred)} in ${result.requests} responses, first byte ${seconds(result.ttfbMs)}, loaded ${seconds(result.loadMs)} (HTTP ${result.status})`);
      }
    } finally {
      await context.close();
    }
  }
  return { weights, skipped };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

const HEADERS = ['Page', 'Path', 'HTTP', 'Responses', 'Transferred', 'CSS', 'Other', 'HTML as sent', 'HTML body', 'HTML gzipped', 'Encoding', 'First byte', 'Loaded'];

/** The run's identifiers as placeholders in the tables' paths, so that tables of two runs compare. */
const PLACEHOLDERS: PageFacts = { caseCode: '{caseCode}', referralId: '{id}', referralCode: '{code}', serviceId: '{serviceId}', declineLinkToken: '{token}' };

/** A page's path with the placeholders as they read, not percent-encoded. */
function pathOf(page: ConsolePage): string {
  return page.path(PLACEHOLDERS).replace(/%7B/g, '{').replace(/%7D/g, '}');
}

function rowsOf(weights: readonly PageWeight[]): string[][] {
  return weights.map((w) => [
    w.page.label,
    pathOf(w.page),
    String(w.status),
    String(w.requests),
    kb(w.transferred),
    kb(w.stylesheets),
    kb(w.others),
    kb(w.documentTransferred),
    kb(w.documentBody),
    kb(w.documentGzipped),
    w.documentEncoding,
    seconds(w.ttfbMs),
    seconds(w.loadMs),
  ]);
}

export function markdownTable(weights: readonly PageWeight[], skipped: readonly Skipped[]): string {
  const lines = [`| ${HEADERS.join(' | ')} |`, `| ${HEADERS.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const row of rowsOf(weights)) lines.push(`| ${row.map((cell, i) => (i === 1 ? `\`${cell}\`` : cell)).join(' | ')} |`);
  for (const s of skipped) lines.push(`| ${s.page.label} | \`${pathOf(s.page)}\` | ${s.status} | — | — | — | — | — | — | — | — | — | ${s.note} |`);
  return `${lines.join('\n')}\n`;
}

function textTable(weights: readonly PageWeight[]): string {
  const rows = [HEADERS, ...rowsOf(weights)];
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

const BENCHMARK_DOC = fileURLToPath(new URL('../../../docs/benchmarks/console.md', import.meta.url));
export const DOC_MARKERS = { start: '<!-- page-weights:start (written by npm run bench:console -- --write-doc) -->', end: '<!-- page-weights:end -->' } as const;

/** Replaces what is between the document's markers, and nothing else. */
export function withTable(doc: string, table: string): string {
  const start = doc.indexOf(DOC_MARKERS.start);
  const end = doc.indexOf(DOC_MARKERS.end);
  if (start < 0 || end < start) throw new Error(`docs/benchmarks/console.md has no "${DOC_MARKERS.start}" … "${DOC_MARKERS.end}" section`);
  return `${doc.slice(0, start + DOC_MARKERS.start.length)}\n${table}${doc.slice(end)}`;
}

async function main(): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pages = selectedPages(process.argv.slice(2));
  const out = resolve(process.argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length) ?? 'page-weights.md');
  const stack = await openStack('bench', log);
  try {
    log(`Measuring ${pages.length} pages on ${stack.description}: ${SLOW_LINK.downloadThroughput * 8 / 1000} kbit/s, ${SLOW_LINK.latency} ms RTT, cold cache…`);
    const { weights, skipped } = await measurePages({ consoleUrl: stack.consoleUrl, browser: stack.browser, facts: stack.facts, pages }, log);
    process.stdout.write(`\n${textTable(weights)}\n`);
    for (const s of skipped) process.stdout.write(`${s.page.label} (${pathOf(s.page)}): skipped, ${s.note}\n`);
    const heading = `Console pages on an emulated 400 kbit/s link (400 ms RTT), cold cache, Chromium — ${new Date().toISOString().slice(0, 10)}\n\n`;
    await writeFile(out, heading + markdownTable(weights, skipped), 'utf8');
    process.stdout.write(`\nMarkdown table: ${out}\n`);
    if (process.argv.includes('--write-doc')) {
      await writeFile(BENCHMARK_DOC, withTable(await readFile(BENCHMARK_DOC, 'utf8'), heading + markdownTable(weights, skipped)), 'utf8');
      process.stdout.write(`Table written into ${BENCHMARK_DOC}\n`);
    }
    return 0;
  } finally {
    await stack.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main().catch((error: unknown) => {
    process.stderr.write(`bench:console: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  });
}
