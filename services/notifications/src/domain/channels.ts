/** A message ready for a channel: rendered text only, addressed to a work contact. */
export type OutgoingMessage =
  | { channel: 'email'; to: string; subject: string; text: string; html: string; language: string }
  | { channel: 'sms'; to: string; text: string }
  /** `body` is the JSON sent as is (and signed); the secret stays in the database, never in the queue. */
  | { channel: 'webhook'; subscriptionId: string; url: string; body: string };

/**
 * What a provider said when it took the message. `delivered`: the message is already where it goes (the
 * development catcher), as a delivery report would say later for a real provider.
 */
export type SendResult = { providerMessageId: string | null; delivered?: boolean };

/** Sends messages of one channel through one provider. */
export type ChannelSender = {
  /** `deliveryId` is stable across retries of the same message: an idempotency key for providers that take one. */
  send(message: OutgoingMessage, context: { deliveryId: string }): Promise<SendResult>;
  close(): Promise<void>;
};

/**
 * A send that did not succeed, with a stable code for the delivery log. A
 * permanent one (address refused, bad credentials) is not retried.
 */
export class DeliveryError extends Error {
  readonly code: string;
  readonly permanent: boolean;

  constructor(code: string, message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.code = code;
    this.permanent = options.permanent;
  }
}

/** The delivery log's code for any error: a {@link DeliveryError}'s own, else `unexpected`. */
export function errorCodeOf(error: unknown): string {
  return error instanceof DeliveryError ? error.code : 'unexpected';
}
