import { CLOUDEVENTS_CONTENT_TYPE } from '@referral-hub/platform';
import { connect } from 'amqplib';
import type { ConfirmChannel, Options } from 'amqplib';

/** The CloudEvents fields a producer reads to address a message. */
export type ProducedEvent = { id: string; type: string };

export type ProducerPublishOptions = {
  /** Routing key; the event type when omitted, as the services publish. */
  routingKey?: string;
  /** Extra AMQP headers, e.g. a request id. */
  headers?: Record<string, unknown>;
};

/**
 * Publishes to an exchange as one of the services would, so a test can feed
 * a consumer without going through another service. Every publish waits for
 * the broker's confirm: once it resolves, the message is on the broker.
 */
export type Producer = {
  /**
   * Publishes `event` as structured CloudEvents JSON with the properties the
   * services set: persistent, `application/cloudevents+json`, `messageId` =
   * event id, `type` = event type. Nothing is validated, so a test can also
   * publish the invalid events a buggy producer would.
   */
  publish(event: ProducedEvent, options?: ProducerPublishOptions): Promise<void>;
  /** Publishes `body` as it is, with only the `properties` given (for malformed messages). */
  publishRaw(routingKey: string, body: Buffer | string, properties?: Options.Publish): Promise<void>;
  /** The confirm channel, for the odd broker call a test needs (e.g. `checkQueue`). */
  readonly channel: ConfirmChannel;
  close(): Promise<void>;
};

/** Opens a connection and a confirm channel publishing to `exchange` (which the service under test declares). */
export async function openProducer(options: { url: string; exchange: string }): Promise<Producer> {
  const connection = await connect(options.url);
  const channel = await connection.createConfirmChannel();
  // A refused publish (an unknown exchange) closes the channel: the publish rejects, the error is not thrown again.
  channel.on('error', () => undefined);

  const send = (routingKey: string, body: Buffer, properties: Options.Publish) =>
    new Promise<void>((resolve, reject) => {
      try {
        channel.publish(options.exchange, routingKey, body, properties, (error: unknown) => {
          if (error === null || error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error(`Message to ${routingKey} refused by the broker`));
        });
      } catch (error) {
        // The channel was already closed: nothing was sent.
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });

  return {
    publish: (event, publishOptions = {}) =>
      send(publishOptions.routingKey ?? event.type, Buffer.from(JSON.stringify(event), 'utf8'), {
        persistent: true,
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        messageId: event.id,
        type: event.type,
        ...(publishOptions.headers === undefined ? {} : { headers: publishOptions.headers }),
      }),
    publishRaw: (routingKey, body, properties = {}) => send(routingKey, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, properties),
    channel,
    close: async () => {
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}
