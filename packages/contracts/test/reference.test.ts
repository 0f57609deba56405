import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, openApiDocument } from '../src/index.js';
import type { OpenApiDocument, ServiceName } from '../src/index.js';
import { accessOf, isPublic, operationsOf, renderReference, renderServiceReference, staleReferenceFiles } from '../src/render-reference.js';

const documents = Object.fromEntries(SERVICE_NAMES.map((s) => [s, openApiDocument(s)])) as Record<ServiceName, OpenApiDocument>;
const files = renderReference(documents);
const page = (name: string): string => files.find((f) => f.path === name)?.content ?? '';

describe('the API reference (docs/api)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('matches the contracts (run `npm run contracts:generate` if not)', () => {
    expect(staleReferenceFiles()).toEqual([]);
  });

  it('mentions every operation of every service: on its page with its anchor, and in the index', () => {
    for (const service of SERVICE_NAMES) {
      const content = page(`${service}.md`);
      const operations = operationsOf(service, documents[service]);
      expect(operations.length).toBeGreaterThan(3);
      for (const o of operations) {
        expect(content, `${service} ${o.operationId}`).toContain(`\`${o.method} ${o.path}\` · operation \`${o.operationId}\``);
        expect(content).toContain(`<a id="${o.operationId.toLowerCase()}"></a>`);
        expect(page('README.md')).toContain(`(${service}.md#${o.operationId.toLowerCase()})`);
      }
    }
  });

  it('has no link to an anchor that is not there', () => {
    for (const file of files) {
      const anchors = new Set([...file.content.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
      const links = [...file.content.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
      if (file.path !== 'README.md') expect(links.length).toBeGreaterThan(0);
      for (const link of links) expect(anchors.has(link), `${file.path} links to #${link}`).toBe(true);
      for (const [, target, anchor] of file.content.matchAll(/\]\(([A-Za-z]+\.md)#([^)]+)\)/g)) {
        expect(page(target ?? ''), `${file.path} → ${target}`).toContain(`<a id="${anchor}"></a>`);
      }
    }
  });

  it('says who may call each operation, the parameters, the request body fields and the problem responses', () => {
    const directory = page('directory.md');
    const hsdsImport = directory.slice(directory.indexOf('<a id="importhsds"></a>'), directory.indexOf('<a id="exporthsds"></a>'));
    expect(hsdsImport).toContain('**Who may call it.** A bearer token. A network coordinator.');
    expect(hsdsImport).toContain('| `language` | query | no |');
    expect(hsdsImport).toContain('**Request body** (`application/json`, required): [`HsdsDataset`](#schema-hsdsdataset)');
    expect(hsdsImport).toContain('**Request body** (`multipart/form-data`, required)');
    expect(hsdsImport).toMatch(/\| 403 \| .* \| problem \[`Forbidden`\]\(#problem-forbidden\) \|/);
    expect(directory).toContain('**Who may call it.** Anyone: no token needed.');
    const consent = page('consent.md');
    expect(consent).toContain('| `caseCode` |');
  });

  it('states who may call every operation of every contract in x-access, unless it is open to anyone', () => {
    const missing: string[] = [];
    let stated = 0;
    for (const service of SERVICE_NAMES) {
      for (const o of operationsOf(service, documents[service])) {
        if (isPublic(documents[service], o.operation)) continue;
        const access = o.operation['x-access'];
        if (typeof access !== 'string' || access.trim() === '') missing.push(`${service} ${o.method} ${o.path} (${o.operationId})`);
        else stated += 1;
      }
    }
    expect(missing, 'add `x-access` (who may call it, from the access policy) to these operations').toEqual([]);
    expect(stated).toBeGreaterThan(50);
    for (const service of SERVICE_NAMES) expect(page(`${service}.md`)).not.toContain('the contract does not say');
  });

  it('takes who may call an operation from security and x-access only, and renders the same bytes every time', () => {
    const document = documents.notifications;
    expect(accessOf(document, { security: [] })).toBe('Anyone: no token needed.');
    expect(accessOf(document, { security: [], 'x-access': 'A network coordinator.' })).toBe('Anyone: no token needed.');
    expect(accessOf(document, { 'x-access': 'Its organisation’s administrators.' })).toBe('A bearer token. Its organisation’s administrators.');
    // A description is never mined for who may call: only x-access says it.
    expect(accessOf(document, { description: 'Lists things. A supervisor of the owning organisation approves it.' })).toBeUndefined();
    expect(accessOf(document, { description: 'Adds a thing (network coordinators).', 'x-access': '  ' })).toBeUndefined();
    expect(renderServiceReference('notifications', { ...document, paths: { '/v1/things': { get: { operationId: 'listThings', summary: 'List things', responses: {} } } } })).toContain(
      '**Who may call it.** A bearer token; the contract does not say which roles or organisations',
    );
    expect(renderServiceReference('notifications', document)).toBe(page('notifications.md'));
    expect(renderReference(documents)).toEqual(files);
  });

  it('reports a page that was edited, removed or left over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'contracts-reference-'));
    dirs.push(dir);
    for (const file of files) writeFileSync(join(dir, file.path), file.content);
    writeFileSync(join(dir, 'consent.md'), `${page('consent.md')}\nedited by hand\n`);
    rmSync(join(dir, 'referrals.md'));
    writeFileSync(join(dir, 'billing.md'), '# Billing\n');
    expect(staleReferenceFiles(dir, files)).toEqual(
      expect.arrayContaining([
        { path: 'consent.md', problem: 'differs' },
        { path: 'referrals.md', problem: 'missing' },
        { path: 'billing.md', problem: 'unexpected' },
      ]),
    );
    expect(staleReferenceFiles(dir, files)).toHaveLength(3);
  });
});
