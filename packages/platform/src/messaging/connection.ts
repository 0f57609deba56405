import { EventEmitter } from 'node:events';
import { connect } from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, RecoveringChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { HealthCheck } from '../health/types.js';
import { declareTopology, type Topology } from './topology.js';

export type ConnectAmqpOptions = {
  /** `amqp://user:pass@host:port/vhost`; a `heartbeat` query parameter wins over `heartbeatSeconds`. */
  url: string;
  logger: Logger;
  /** Shown in the broker's connection list and in logs, e.g. `referrals`. */
  name: string;
  /** Declared on every (re)connection before the connection counts as up. */
  topology?: Topology;
  /** Reconnect backoff. Defaults: 200 ms doubling up to 15 s, with jitter. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Heartbeat so that a silently dead broker is noticed (default 15 s). */
  heartbeatSeconds?: number;
  /** TCP connect / handshake timeout (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * When true (default) `connectAmqp` resolves once the first connection is up;
   * when false it resolves at once and keeps trying in the background.
   */
  waitForConnect?: boolean;
};

export type AmqpConnectionEvents = {
  connected: [];
  disconnected: [error: Error];
};

/** The broker is not reachable right now. */
export function brokerUnavailable(detail = 'The message broker is unavailable; try again shortly.'): AppError {
  return new AppError('broker_unavailable', 503, 'Service unavailable', { detail });
}

/**
 * One long-lived AMQP connection that comes back by itself: when the broker
 * goes away it reconnects with exponential backoff, re-declares the topology,
 * and emits `connected` so that consumers can open their channels again.
 * Channels die with the connection; their owners recreate them.
 */
export class AmqpConnection extends EventEmitter<AmqpConnectionEvents> {
  readonly name: string;
  private readonly logger: Logger;
  private readonly recovering: RecoveringChannelModel;
  private model: ChannelModel | null = null;
  private healthChannel: Channel | null = null;
  private closing = false;

  /** Use {@link connectAmqp}. */
  constructor(recovering: RecoveringChannelModel, name: string, logger: Logger) {
    super();
    this.recovering = recovering;
    this.name = name;
    this.logger = logger;
    // Listeners may come and go (one per consumer, relay, …); lift the default cap.
    this.setMaxListeners(0);

    recovering.on('connect', (model: ChannelModel) => {
      this.model = model;
      this.logger.info({ connection: name }, 'AMQP connected');
      this.emit('connected');
    });
    recovering.on('disconnect', (error: Error) => {
      this.model = null;
      this.healthChannel = null;
      if (this.closing) return;
      this.logger.warn({ connection: name, err: error }, 'AMQP connection lost; reconnecting');
      this.emit('disconnected', error);
    });
    recovering.on('connect-failed', (error: Error) => {
      if (!this.closing) this.logger.warn({ connection: name, err: error }, 'AMQP connection attempt failed');
    });
    recovering.on('reconnect-scheduled', (info: { attempt: number; delay: number }) => {
      this.logger.debug({ connection: name, attempt: info.attempt, delayMs: info.delay }, 'AMQP reconnect scheduled');
    });
    recovering.on('reconnect-failed', (error: Error) => {
      this.logger.error({ connection: name, err: error }, 'AMQP reconnection abandoned');
    });
    recovering.on('blocked', (reason: string) => {
      this.logger.warn({ connection: name, reason }, 'AMQP connection blocked by the broker');
    });
    recovering.on('unblocked', () => this.logger.info({ connection: name }, 'AMQP connection unblocked'));
    // Connection errors are followed by `disconnect`; without a listener they would crash the process.
    recovering.on('error', (error: Error) => {
      if (!this.closing) this.logger.warn({ connection: name, err: error }, 'AMQP connection error');
    });
  }

  /** True while a connection to the broker is open. */
  isConnected(): boolean {
    return this.model !== null && !this.closing;
  }

  /** Resolves when connected (at once if already), rejects after `timeoutMs`. */
  async waitUntilConnected(timeoutMs = 30_000): Promise<void> {
    if (this.isConnected()) return;
    if (this.closing) throw brokerUnavailable('The AMQP connection is closed.');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(brokerUnavailable());
      }, timeoutMs);
      const onConnected = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  /** Opens a channel on the current connection; fails fast when disconnected. */
  async createChannel(): Promise<Channel> {
    const channel = await this.currentModel().createChannel();
    this.watchChannel(channel, 'channel');
    return channel;
  }

  /** Opens a channel in publisher-confirm mode; fails fast when disconnected. */
  async createConfirmChannel(): Promise<ConfirmChannel> {
    const channel = await this.currentModel().createConfirmChannel();
    this.watchChannel(channel, 'confirm channel');
    return channel;
  }

  /**
   * A readiness check: fails unless the connection is up and a channel on it
   * answers a broker round trip.
   */
  healthCheck(name = 'rabbitmq'): HealthCheck {
    return {
      name,
      check: async (signal: AbortSignal) => {
        if (!this.isConnected()) throw brokerUnavailable('Not connected to the message broker.');
        let channel = this.healthChannel;
        if (channel === null) {
          channel = await this.createChannel();
          channel.once('close', () => {
            if (this.healthChannel === channel) this.healthChannel = null;
          });
          this.healthChannel = channel;
        }
        const probe = channel.checkExchange('amq.topic');
        await abortable(probe, signal);
      },
    };
  }

  /** Closes the connection and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.model = null;
    this.healthChannel = null;
    await this.recovering.close();
  }

  private currentModel(): ChannelModel {
    if (this.model === null || this.closing) throw brokerUnavailable();
    return this.model;
  }

  private watchChannel(channel: Channel, kind: string): void {
    // A channel error (e.g. a 404 on a missing queue) is followed by `close`,
    // which owners handle; an unhandled `error` event would crash the process.
    channel.on('error', (error: Error) => {
      if (!this.closing) this.logger.warn({ connection: this.name, err: error }, `AMQP ${kind} error`);
    });
  }
}

/**
 * Connects to RabbitMQ with automatic recovery. See {@link AmqpConnection}.
 * Never gives up: a broker that is down at start or later is retried with
 * backoff for as long as the process lives.
 */
export async function connectAmqp(options: ConnectAmqpOptions): Promise<AmqpConnection> {
  const { logger, name, topology } = options;
  const initialDelay = options.reconnect?.initialDelayMs ?? 200;
  const maxDelay = Math.max(initialDelay, options.reconnect?.maxDelayMs ?? 15_000);
  const recovering = await connect(withHeartbeat(options.url, options.heartbeatSeconds ?? 15), {
    timeout: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    noDelay: true,
    clientProperties: { connection_name: name },
    recovery: {
      initialDelay,
      maxDelay,
      factor: 2,
      jitter: 0.2,
      waitForConnect: false,
      setup: async (model: ChannelModel) => {
        if (topology === undefined) return;
        const channel = await model.createChannel();
        channel.on('error', () => {
          // Reported through the rejected declaration below.
        });
        try {
          await declareTopology(channel, topology);
        } catch (error) {
          logger.error({ connection: name, err: error }, 'Declaring the AMQP topology failed');
          throw error;
        }
        await channel.close().catch(() => undefined);
      },
    },
  });
  const connection = new AmqpConnection(recovering, name, logger);
  if (options.waitForConnect !== false) {
    try {
      await recovering.waitForConnect();
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }
  return connection;
}

function withHeartbeat(url: string, seconds: number): string {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
    return parsed.toString();
  } catch {
    return url;
  }
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('Aborted');
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('Aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
