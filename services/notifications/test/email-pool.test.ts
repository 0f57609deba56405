import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailSender } from '../src/delivery/email.js';

let server: SMTPServer;
let port: number;
/** The SMTP session each message came over, in order. */
const sessions: string[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        sessions.push(session.id);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the pooled e-mail sender', () => {
  it('keeps sending over the same connection past a hundred messages, so no e-mail waits for a new greeting', async () => {
    const sender = createEmailSender({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Hub <no-reply@hub.example.org>', messageIdDomain: 'hub.example.org', poolConnections: 1 });
    try {
      for (let i = 0; i < 120; i += 1) {
        await sender.send({ channel: 'email', to: `fp-${i}@aide-nord.example`, language: 'fr', subject: `Message ${i}`, text: 'Bonjour', html: '<p>Bonjour</p>' }, { deliveryId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` });
      }
    } finally {
      await sender.close();
    }
    expect(sessions).toHaveLength(120);
    expect(new Set(sessions).size).toBe(1);
  });
});
