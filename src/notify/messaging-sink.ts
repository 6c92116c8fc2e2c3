/**
 * oslo.messaging's `messagingv2` and `messaging` notification drivers over RabbitMQ.
 *
 * For every topic of `[oslo_messaging_notifications] topics` a notification is published to
 * the control exchange with the routing key `<topic>.<priority in lower case>`
 * (`notifications.info`). The body is, for `messagingv2`, the oslo 2.0 envelope
 * `{"oslo.version": "2.0", "oslo.message": "<the notification as a JSON string>"}`, and for
 * `messaging` the notification itself. As oslo.messaging's AMQP driver does, the notification
 * carries a `_unique_id` (kept across retries) so consumers can drop redeliveries.
 *
 * An API call never waits for the broker: `send` serialises the notification and appends it to
 * a bounded in-memory queue (`send_queue_size` notifications). When the queue is full the new
 * notification is dropped and counted (`stats().dropped`), with at most one warning every
 * {@link DROP_WARNING_INTERVAL_MS}. One background loop publishes the queue in order, in batches
 * confirmed by the broker (publisher confirms); a notification leaves the queue only once
 * confirmed, so a broker failure costs at most a duplicate, never a gap.
 *
 * The loop connects to the first broker of the transport URL and, on a failure, moves to the
 * next (round robin; oslo shuffles them instead). Once every broker has failed in a row it
 * waits `rabbit_retry_interval`, then longer by `rabbit_retry_backoff`, 3×, 7×… that (the
 * growth doubles), at most `rabbit_interval_max`. With `retry` >= 0 a notification that has
 * lived through more failed attempts than that is given up (`stats().abandoned`).
 */
import { randomUUID } from 'node:crypto';
import type { RabbitOptions } from '../config/notification-slice.js';
import { AmqpPublisher, type AmqpMessage } from './amqp-publisher.js';
import type { Notification, NotificationSink } from './notifier.js';
import { describeHost, type TransportUrl } from './transport-url.js';

/** The wire formats of oslo.messaging's two message-bus notification drivers. */
export type MessagingFormat = 'messagingv2' | 'messaging';

/** What a MessagingSink needs; built in `sink-factory.ts` from the notifications slice. */
export interface MessagingSinkOptions {
  format: MessagingFormat;
  transport: TransportUrl;
  exchange: string;
  topics: string[];
  /** Failed attempts a waiting notification survives; -1 = forever. */
  retry: number;
  /** Notifications that may wait for the broker; past it new ones are dropped. */
  queueSize: number;
  rabbit: RabbitOptions;
}

/** The minimal logger the notification sinks use (pino fits). */
export interface SinkLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Counters of a MessagingSink, for operators and tests. */
export interface MessagingSinkStats {
  /** Waiting to be published. */
  queued: number;
  /** Confirmed by the broker. */
  published: number;
  /** Refused because the queue was full (or the sink closed). */
  dropped: number;
  /** Given up after `retry` failed attempts. */
  abandoned: number;
}

/** At most one "queue full" warning per this many milliseconds. */
export const DROP_WARNING_INTERVAL_MS = 10_000;
/** How long `close()` waits by default for the queue to drain. */
export const CLOSE_TIMEOUT_MS = 5_000;
const BATCH_SIZE = 100;
const CONNECT_TIMEOUT_MS = 5_000;

interface Entry {
  messages: AmqpMessage[];
  /** Failed attempts lived through (for `retry`). */
  attempts: number;
}

/** The message-bus notification sink; see the module comment. */
export class MessagingSink implements NotificationSink {
  private readonly queue: Entry[] = [];
  private readonly publisher: AmqpPublisher;
  private readonly counts = { published: 0, dropped: 0, abandoned: 0 };
  private droppedSinceWarning = 0;
  private lastDropWarning = -Infinity;
  /** The broker to connect to next: the first written, then each in turn after a failure. */
  private nextHost = 0;
  private failures = 0;
  /** Set by close(): drain what is queued, accept nothing new. */
  private closing = false;
  /** Set when close()'s deadline passes: stop at once. */
  private stopping = false;
  /** Ends the loop's wait for work, if it is waiting. */
  private wakeIdle: (() => void) | null = null;
  /** Ends the loop's pause between reconnection attempts, if it is pausing. */
  private wakePause: (() => void) | null = null;
  private readonly loop: Promise<void>;

  constructor(private readonly opts: MessagingSinkOptions, private readonly log: SinkLogger) {
    this.publisher = new AmqpPublisher({
      exchange: opts.exchange,
      durable: opts.rabbit.durable,
      autoDelete: opts.rabbit.autoDelete,
      quorumQueue: opts.rabbit.quorumQueue,
      virtualHost: opts.transport.virtualHost,
      heartbeat: opts.rabbit.heartbeatTimeout,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    this.loop = this.run();
  }

  /** Queues `notification` for publishing; never throws, never waits. */
  send(notification: Notification): void {
    if (this.closing || this.queue.length >= this.opts.queueSize) {
      this.drop();
      return;
    }
    const priority = notification.priority.toLowerCase();
    const messages = this.opts.topics.map((topic) => ({
      routingKey: `${topic}.${priority}`,
      body: this.encode(notification),
    }));
    this.queue.push({ messages, attempts: 0 });
    // Only an idle loop is woken: new work must not cut a reconnection pause short.
    this.wakeIdle?.();
  }

  /** The current counters. */
  stats(): MessagingSinkStats {
    return { queued: this.queue.length, ...this.counts };
  }

  /**
   * Publishes what is queued, waiting at most `timeoutMs` (plus, in the worst case, one
   * connection attempt already under way), then closes the connection; what is still queued
   * then is reported in one warning and lost. Later `send`s are dropped.
   */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    this.closing = true;
    this.wakeIdle?.();
    this.wakePause?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([this.loop, deadline]);
    clearTimeout(timer);
    this.stopping = true;
    this.wakePause?.();
    // Fails a confirm wait still in progress, so the loop ends now.
    await this.publisher.reset();
    await this.loop;
    if (this.queue.length > 0 || this.counts.dropped > 0 || this.counts.abandoned > 0) {
      this.log.warn(
        { undelivered: this.queue.length, ...this.counts, brokers: this.brokers() },
        'notifications lost: dropped while the queue was full, given up after retries, or not delivered before shutdown',
      );
    }
  }

  private encode(notification: Notification): Buffer {
    // Like oslo's AMQP driver: one unique id per message, kept across retries.
    const message = { ...notification, _unique_id: randomUUID().replace(/-/g, '') };
    const body = this.opts.format === 'messagingv2'
      ? { 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) }
      : message;
    return Buffer.from(JSON.stringify(body), 'utf8');
  }

  private drop(): void {
    this.counts.dropped++;
    this.droppedSinceWarning++;
    const now = Date.now();
    if (now - this.lastDropWarning < DROP_WARNING_INTERVAL_MS) return;
    this.log.warn(
      { dropped: this.droppedSinceWarning, dropped_total: this.counts.dropped, queue_size: this.opts.queueSize },
      'notification queue full (message bus unreachable or slow); dropping notifications',
    );
    this.lastDropWarning = now;
    this.droppedSinceWarning = 0;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (this.queue.length === 0) {
        if (this.closing) break;
        await new Promise<void>((resolve) => { this.wakeIdle = resolve; });
        this.wakeIdle = null;
        continue;
      }
      try {
        if (!this.publisher.connected) await this.connect();
        const batch = this.queue.slice(0, BATCH_SIZE);
        await this.publisher.publish(batch.flatMap((e) => e.messages));
        // Only `send` touches the queue meanwhile, and it appends: the batch is still its head.
        this.queue.splice(0, batch.length);
        this.counts.published += batch.length;
        this.failures = 0;
      } catch (err) {
        if (this.stopping) break;
        await this.failed(err as Error);
      }
    }
    // A connection opened while close() was giving up must not keep the process alive.
    await this.publisher.reset();
  }

  private async connect(): Promise<void> {
    const host = this.opts.transport.hosts[this.nextHost]!;
    await this.publisher.open(host);
    this.log.info({ broker: describeHost(host, this.opts.transport.virtualHost), exchange: this.opts.exchange }, 'connected to the message bus for notifications');
  }

  private async failed(err: Error): Promise<void> {
    const hosts = this.opts.transport.hosts;
    const broker = describeHost(hosts[this.nextHost]!, this.opts.transport.virtualHost);
    await this.publisher.reset();
    this.failures++;
    this.nextHost = (this.nextHost + 1) % hosts.length;
    this.giveUpExhausted();
    // Every broker gets one immediate try before the loop waits.
    const rounds = this.failures / hosts.length;
    const waitS = Number.isInteger(rounds) ? this.backoff(rounds) : 0;
    this.log.error({ broker, err: err.message, retry_in_s: waitS, queued: this.queue.length }, 'cannot publish notifications to the message bus');
    if (waitS > 0) await this.pause(waitS * 1000);
  }

  // rabbit_retry_interval, then +backoff, +3×backoff, +7×backoff…, capped at rabbit_interval_max.
  private backoff(round: number): number {
    const { retryInterval, retryBackoff, intervalMax } = this.opts.rabbit;
    // The exponent is capped so a long outage never turns 0 × Infinity into a NaN wait.
    return Math.min(intervalMax, retryInterval + retryBackoff * (2 ** Math.min(round - 1, 30) - 1));
  }

  private giveUpExhausted(): void {
    if (this.opts.retry < 0) return;
    let given = 0;
    for (const e of this.queue) e.attempts++;
    while (this.queue.length > 0 && this.queue[0]!.attempts > this.opts.retry) {
      this.queue.shift();
      given++;
    }
    if (given === 0) return;
    this.counts.abandoned += given;
    this.log.warn({ abandoned: given, retry: this.opts.retry }, 'notifications given up after the configured retries');
  }

  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      this.wakePause = resolve;
    });
    clearTimeout(timer);
    this.wakePause = null;
  }

  private brokers(): string[] {
    return this.opts.transport.hosts.map((h) => describeHost(h, this.opts.transport.virtualHost));
  }
}
