import { Agent, request } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';

function get(port: number, path: string, agent?: Agent): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startHttpServer', () => {
  it('lets an in-flight request finish, refuses new connections and closes idle keep-alive sockets', async () => {
    const app = express();
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.send('done'), 150);
    });
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    const running = await startHttpServer(app, 0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true });
    try {
      // A keep-alive connection that is idle when close starts.
      expect((await get(running.port, '/fast', agent)).status).toBe(200);
      const inFlight = get(running.port, '/slow');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const started = Date.now();
      const closed = running.close(5000);
      const result = await inFlight;
      expect(result).toMatchObject({ status: 200, body: 'done', connection: 'close' });
      await closed;
      // Finished when the in-flight request did, not at the timeout: the idle keep-alive socket did not hold it open.
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(get(running.port, '/fast')).rejects.toThrow();
      await expect(running.close()).resolves.toBeUndefined();
    } finally {
      agent.destroy();
    }
  });

  it('destroys requests that outlive the drain timeout', async () => {
    const app = express();
    app.get('/never', () => undefined);
    const running = await startHttpServer(app, 0, '127.0.0.1');
    const hanging = get(running.port, '/never');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = Date.now();
    await running.close(100);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(hanging).rejects.toThrow();
  });
});
