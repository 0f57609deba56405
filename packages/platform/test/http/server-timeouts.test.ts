import { connect } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';
import type { RunningHttpServer } from '../../src/http/server.js';

let server: RunningHttpServer;

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.post('/echo', (req, res) => {
    res.json({ received: req.body as unknown });
  });
  app.get('/ping', (_req, res) => {
    res.send('pong');
  });
  server = await startHttpServer(app, 0, '127.0.0.1', {
    headersTimeoutMs: 400,
    requestTimeoutMs: 800,
    keepAliveTimeoutMs: 300,
    idleTimeoutMs: 1500,
  });
});

afterAll(async () => {
  await server.close(500);
});

/**
 * Opens a raw socket, writes `chunks` and waits until the server closes it:
 * what it answered and after how long. Fails if it stays open past `giveUpMs`.
 */
function untilClosed(chunks: string[], giveUpMs = 5000): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the stalled connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('data', (data: Buffer) => {
      answer += data.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, afterMs: performance.now() - started });
    });
  });
}

describe('slow or stalled connections', () => {
  it('closes a connection whose headers never finish (408)', async () => {
    const { answer, afterMs } = await untilClosed(['POST /echo HTTP/1.1\r\nHost: x\r\nX-Slow: a']);
    console.log(`stalled headers: closed after ${afterMs.toFixed(0)} ms`);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that sends its headers then stalls in the body (408)', async () => {
    const { answer, afterMs } = await untilClosed(['POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":']);
    console.log(`stalled body: closed after ${afterMs.toFixed(0)} ms`);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that never sends anything', async () => {
    const { answer } = await untilClosed([]);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes an idle keep-alive connection after its keep-alive timeout, having answered its request', async () => {
    const { answer, afterMs } = await untilClosed(['GET /ping HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('pong');
    console.log(`idle keep-alive: closed after ${afterMs.toFixed(0)} ms`);
  });

  it('still serves a client that sends its request in time', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await response.json()).toEqual({ received: { a: 1 } });
  });
});
