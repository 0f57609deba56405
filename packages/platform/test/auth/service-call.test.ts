import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamUnavailableError, createServiceCall } from '../../src/auth/service-call.js';
import { runWithContext } from '../../src/context.js';

let server: Server;
let baseUrl: string;
const seen: { method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders; body: string; port: number | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body, port: req.socket.remotePort });
      if (req.url === '/ok') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"answer":42}');
      if (req.url === '/created') return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: JSON.parse(body) as unknown }));
      if (req.url === '/slow') return;
      if (req.url === '/not-json') return void res.writeHead(200).end('<html>');
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"detail":"case KIN-1 of Amina"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const tokens = { getToken: () => Promise.resolve('machine-token') };

describe('a call to another service', () => {
  it('sends the machine token and the request id, and returns the JSON answer', async () => {
    const call = createServiceCall('the directory', { baseUrl, tokens, timeoutMs: 2_000 });
    const answer = await runWithContext({ requestId: 'req-123' }, () => call<{ answer: number }>('/ok'));
    expect(answer).toEqual({ answer: 42 });
    const request = seen.at(-1);
    expect(request?.headers.authorization).toBe('Bearer machine-token');
    expect(request?.headers['x-request-id']).toBe('req-123');
    const posted = await call<{ echo: unknown }>('/created', { method: 'POST', body: { fields: ['a'] }, expectStatus: 201 });
    expect(posted.echo).toEqual({ fields: ['a'] });
    expect(seen.at(-1)?.headers['content-type']).toBe('application/json');
  });

  it('turns another status, a body that is not JSON or an unreachable service into one upstream error naming it, keeping no body', async () => {
    const call = createServiceCall('the directory', { baseUrl, tokens, timeoutMs: 2_000 });
    const refused = await call('/missing').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UpstreamUnavailableError);
    expect((refused as UpstreamUnavailableError).message).toBe('The directory answered 404');
    expect((refused as UpstreamUnavailableError).status).toBe(404);
    expect((refused as UpstreamUnavailableError).upstream).toBe('the directory');
    expect(JSON.stringify(refused)).not.toContain('Amina');
    await expect(call('/not-json')).rejects.toThrow('The directory answered with a body that is not JSON');
    const down = createServiceCall('the consent service', { baseUrl: 'http://127.0.0.1:9', tokens, timeoutMs: 2_000 });
    await expect(down('/ok')).rejects.toThrow('The consent service could not be reached');
    await expect(down('/ok')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('keeps the connection alive between calls, one after another', async () => {
    const call = createServiceCall('the directory', { baseUrl, tokens, timeoutMs: 2_000 });
    await call('/ok');
    const first = seen.at(-1)?.port;
    await call('/created', { method: 'POST', body: { fields: ['b'] }, expectStatus: 201 });
    await call('/ok');
    expect(first).toBeDefined();
    expect(seen.slice(-2).map((request) => request.port)).toEqual([first, first]);
  });

  it('gives up after its time limit', async () => {
    const call = createServiceCall('the directory', { baseUrl, tokens, timeoutMs: 150 });
    // The server never answers: only the time limit ends the call.
    await expect(call('/slow')).rejects.toThrow('The directory could not be reached');
  });
});
