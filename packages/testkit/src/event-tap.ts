import { connect } from 'amqplib';

export type TappedEvent = { type: string; id: string; subject?: string; data: Record<string, unknown>; raw: unknown; headers: Record<string, unknown> };

/**
 * Listens on an exchange (through an exclusive, auto-deleted queue) and keeps
 * every event published with a matching routing key, so a test can assert on
 * the messages a service published.
 */
export type EventTap = {
  events(): TappedEvent[];
  /** Resolves with the matching events once `predicate` holds, or rejects after `timeoutMs`. */
  waitFor(predicate: (events: TappedEvent[]) => boolean, timeoutMs?: number): Promise<TappedEvent[]>;
  close(): Promise<void>;
};

export async function tapEvents(options: { url: string; exchange: string; bindings?: string[] }): Promise<EventTap> {
  const connection = await connect(options.url);
  const channel = await connection.createChannel();
  await channel.assertExchange(options.exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  for (const key of options.bindings ?? ['#']) await channel.bindQueue(queue, options.exchange, key);
  const seen: TappedEvent[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (message === null) return;
      const raw: unknown = JSON.parse(message.content.toString('utf8'));
      const event = raw as { type: string; id: string; subject?: string; data: Record<string, unknown> };
      seen.push({ ...event, raw, headers: { ...message.properties.headers } });
    },
    { noAck: true },
  );
  return {
    events: () => [...seen],
    waitFor: async (predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(seen)) {
        if (Date.now() > deadline) {
          throw new Error(`Timed out waiting for events; saw: ${seen.map((e) => e.type).join(', ') || 'none'}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return [...seen];
    },
    close: async () => {
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}
