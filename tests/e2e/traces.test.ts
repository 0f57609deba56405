/**
 * Traces across the hub: the four services started with an OTLP endpoint
 * (a receiver in this test, decoding OTLP/HTTP JSON as a collector would), one
 * referral submitted, and its journey followed by trace id: the submit
 * request in referrals, the sharing decision in consent, the event through
 * the broker to notifications' consumer, and the BullMQ job that hands the
 * e-mail to the SMTP server. Then every span received is searched for the
 * demo child's and people's data.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD, DEMO_PEOPLE } from '../../scripts/demo/case.js';
import type { DemoCase } from '../../scripts/demo/scenario.js';
import { closeE2eHub, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';
import { openCase } from './harness/steps.js';

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: OtlpValue[] } };
type OtlpAttribute = { key: string; value: OtlpValue };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[]; events?: { name: string; attributes?: OtlpAttribute[] }[] };
type OtlpRequest = { resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
/** A span as received, with the service that sent it. */
type ReceivedSpan = OtlpSpan & { service: string };

/** A minimal OTLP/HTTP trace receiver (JSON encoding, what the hub's exporter sends). */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; contentTypes: Set<string>; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      contentTypes.add(req.headers['content-type'] ?? '');
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) spans.push({ ...span, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function attribute(span: OtlpSpan, key: string): string | undefined {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  if (value === undefined) return undefined;
  return value.stringValue ?? (value.intValue === undefined ? undefined : String(value.intValue));
}

/** Every text a span carries: its name, its attributes' values and its events'. */
function textsOf(span: OtlpSpan): string[] {
  const values = (attributes: OtlpAttribute[] | undefined): string[] =>
    (attributes ?? []).flatMap((a) => [a.key, ...flatten(a.value)]);
  const flatten = (value: OtlpValue): string[] =>
    value.arrayValue !== undefined ? (value.arrayValue.values ?? []).flatMap(flatten) : [String(value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue ?? '')];
  return [span.name, ...values(span.attributes), ...(span.events ?? []).flatMap((event) => [event.name, ...values(event.attributes)])];
}

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let hub: E2eHub;
let demo: DemoCase;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
  // The directory takes no part in a submit: it runs without tracing.
  hub = await startE2eHub('traces', { serviceEnv: { consent: tracing, referrals: tracing, notifications: tracing } });
  demo = await openCase(hub);
}, 420_000);

afterAll(async () => {
  await closeE2eHub(hub);
  await receiver?.close();
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nProcess logs:\n${await hub.logs()}\n`);
  });
});

describe('traces of a referral', () => {
  it('follow one submit, by one trace id, through consent, the broker and notifications to the e-mail handed to the SMTP server', async () => {
    const { submitted } = await demo.refer('clinic');
    const submitPath = `/v1/referrals/${submitted.id}/submit`;
    const submit = await demo.waitFor('the submit request’s span', () =>
      Promise.resolve(receiver.spans.find((span) => span.service === 'referrals' && span.kind === 2 && (attribute(span, 'url.path') ?? attribute(span, 'http.target')) === submitPath)),
    );
    const trace = submit.traceId;
    // The focal point's e-mail: the delivery job's span, in the same trace.
    const delivery = await demo.waitFor('the e-mail delivery’s span in the submit’s trace', () =>
      Promise.resolve(receiver.spans.find((span) => span.traceId === trace && span.name === 'deliveries process' && attribute(span, 'delivery.channel') === 'email')),
    );
    expect(delivery.service).toBe('notifications');
    await demo.waitFor('the e-mail at the SMTP server', () => Promise.resolve(hub.smtp.received.find((mail) => mail.text.includes(submitted.code) || (mail.subject ?? '').includes(submitted.code))));

    const inTrace = receiver.spans.filter((span) => span.traceId === trace);
    const services = new Set(inTrace.map((span) => span.service));
    // Referrals asked consent for the decision (an HTTP server span in consent), the relay published, notifications consumed.
    expect([...services].sort()).toEqual(expect.arrayContaining(['consent', 'notifications', 'referrals']));
    expect(inTrace.some((span) => span.service === 'consent' && span.kind === 2)).toBe(true);
    expect(inTrace.some((span) => span.service === 'notifications' && span.kind === 5 && span.name.endsWith('notifications.events process'))).toBe(true);
    // The database work of the submit is in it too, without a value.
    expect(inTrace.some((span) => span.service === 'referrals' && attribute(span, 'db.system.name') === 'postgresql')).toBe(true);
    // The route template names the server span, never the raw id.
    expect(attribute(submit, 'http.route')).not.toContain(submitted.id);
    expect(receiver.contentTypes).toContain('application/json');
  }, 240_000);

  it('carry nothing of the child or the people: no name, health note, phone number or e-mail address in any span', async () => {
    expect(receiver.spans.length).toBeGreaterThan(50);
    const forbidden = [
      DEMO_PAYLOAD['child.firstName'],
      DEMO_PAYLOAD['child.lastName'],
      DEMO_PAYLOAD['case.summary'],
      ...DEMO_PAYLOAD['health.conditions'],
      ...Object.values(DEMO_PEOPLE).flatMap((person) => [person.email, ...(person.phone === null ? [] : [person.phone])]),
    ];
    const leaks: string[] = [];
    for (const span of receiver.spans) {
      for (const text of textsOf(span)) {
        for (const value of forbidden) if (text.includes(value)) leaks.push(`${span.service} ${span.name}: ${value}`);
      }
    }
    expect(leaks).toEqual([]);
    // Whatever SQL is exported has no literal: values travel as $n parameters, literals are masked.
    const statements = receiver.spans.map((span) => attribute(span, 'db.query.text') ?? attribute(span, 'db.statement')).filter((text) => text !== undefined);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) expect(statement).not.toMatch(/'[^'?]+'/);
  });

  it('are matched by the services’ /metrics: the submit counted under its route template, the referrals overdue by stage', async () => {
    const text = await (await fetch(`${hub.endpoints.referralsUrl}/metrics`)).text();
    const submits = text.split('\n').find((line) => line.startsWith('hub_http_requests_total{') && line.includes('route="/v1/referrals/{referralId}/submit"'));
    expect(submits).toBeDefined();
    expect(Number(submits?.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^hub_referrals_overdue\{[^}]*stage="acknowledgement"[^}]*\} \d+$/m);
    expect(text).toMatch(/^hub_outbox_pending_events\{[^}]*\} \d+$/m);
    const notifications = await (await fetch(`${hub.endpoints.notificationsUrl}/metrics`)).text();
    expect(notifications).toMatch(/^hub_delivery_latency_seconds_count\{[^}]*channel="email"[^}]*\} [1-9]\d*$/m);
  });
});
