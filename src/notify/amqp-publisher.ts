/**
 * One AMQP 0-9-1 connection to one RabbitMQ broker, used the way oslo.messaging's rabbit driver
 * publishes notifications (`Connection.notify_send`):
 *
 * - the control exchange (`glance`) is a `topic` exchange, durable when `amqp_durable_queues`
 *   (or quorum queues) is set, auto-deleted when `amqp_auto_delete` is;
 * - before the first message of each routing key on a connection, a queue named after the
 *   routing key (`notifications.info`) is declared with the exchange's durability and bound to
 *   it with that key, so nothing is lost while no consumer exists yet;
 * - messages are `application/json`, `utf-8`, delivery mode 2 (persistent), sent on a channel
 *   in confirm mode: a batch counts as delivered only once the broker has confirmed it.
 *
 * Not safe for concurrent use: the messaging sink's single loop drives it.
 */
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { TransportHost } from './transport-url.js';

/** Where and how to publish; see the module comment. */
export interface AmqpTarget {
  exchange: string;
  durable: boolean;
  autoDelete: boolean;
  /** Declare the per-routing-key queues as quorum queues (`x-queue-type: quorum`). */
  quorumQueue: boolean;
  virtualHost: string;
  /** Heartbeat in seconds (0 = none): how a silently dead broker is noticed. */
  heartbeat: number;
  /** How long opening a connection may take, in milliseconds. */
  connectTimeoutMs: number;
}

/** One message to publish. */
export interface AmqpMessage {
  routingKey: string;
  body: Buffer;
}

/** A connection plus confirm channel to one broker; see the module comment. */
export class AmqpPublisher {
  private model: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private declaredQueues = new Set<string>();

  constructor(private readonly target: AmqpTarget) {}

  /** True while a channel is open; false after an error closed it. */
  get connected(): boolean {
    return this.channel !== null;
  }

  /**
   * Opens a connection and a confirm channel to `host` and declares the exchange. Rejects when
   * the broker cannot be reached, refuses the login, or refuses the declaration.
   */
  async open(host: TransportHost): Promise<void> {
    await this.reset();
    const model = await connect(
      {
        protocol: 'amqp',
        hostname: host.hostname,
        port: host.port,
        username: host.username,
        password: host.password,
        // amqplib percent-decodes the vhost it is given.
        vhost: encodeURIComponent(this.target.virtualHost),
        heartbeat: this.target.heartbeat,
      },
      { timeout: this.target.connectTimeoutMs, clientProperties: { connection_name: `glance-ts:${process.pid}:notifications` } },
    );
    // Without listeners these events would crash the process; the loop notices the closed channel.
    model.on('error', () => {});
    model.on('close', () => this.forget(model));
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => {});
      channel.on('close', () => this.forget(model));
      await channel.assertExchange(this.target.exchange, 'topic', {
        durable: this.target.durable,
        autoDelete: this.target.autoDelete,
      });
      this.model = model;
      this.channel = channel;
    } catch (err) {
      await model.close().catch(() => {});
      throw err;
    }
  }

  /**
   * Publishes `messages` in order and resolves once the broker has confirmed every one; rejects
   * (leaving the publisher disconnected) on a nack, a closed channel or a refused declaration.
   */
  async publish(messages: readonly AmqpMessage[]): Promise<void> {
    const channel = this.channel;
    if (channel === null) throw new Error('not connected');
    for (const key of new Set(messages.map((m) => m.routingKey))) {
      if (this.declaredQueues.has(key)) continue;
      await channel.assertQueue(key, {
        durable: this.target.durable,
        autoDelete: this.target.autoDelete,
        ...(this.target.quorumQueue ? { arguments: { 'x-queue-type': 'quorum' } } : {}),
      });
      await channel.bindQueue(key, this.target.exchange, key);
      this.declaredQueues.add(key);
    }
    // One callback per message rather than waitForConfirms(), which resolves with nothing to
    // wait for when the channel has already closed and dropped its unconfirmed messages.
    await Promise.all(messages.map((m) => new Promise<void>((resolve, reject) => {
      channel.publish(this.target.exchange, m.routingKey, m.body, {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        deliveryMode: 2,
      }, (err) => (err ? reject(err as Error) : resolve()));
    })));
  }

  /** Closes the connection (pending confirms fail); safe to call at any time. */
  async reset(): Promise<void> {
    const model = this.model;
    this.forget(model);
    await model?.close().catch(() => {});
  }

  private forget(model: ChannelModel | null): void {
    if (model !== this.model) return;
    this.model = null;
    this.channel = null;
    // Queues are declared again on the next connection, as oslo does after a reconnect.
    this.declaredQueues = new Set();
  }
}
