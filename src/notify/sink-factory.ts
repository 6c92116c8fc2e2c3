/**
 * Turns `[oslo_messaging_notifications] driver` into the sink the Notifier sends to, as
 * oslo.messaging loads one driver per name: `messagingv2` and `messaging` publish to RabbitMQ
 * (MessagingSink), `log` logs each notification, `noop` sends nothing. No driver means no
 * notifications; several drivers all receive every notification; unknown names are skipped with
 * a warning, as oslo's driver loader does.
 */
import type { NotificationConfig } from '../config/notification-slice.js';
import { ConfigError } from '../config/config-error.js';
import { LogSink, NoopSink } from './log-sink.js';
import { MessagingSink, type MessagingFormat, type SinkLogger } from './messaging-sink.js';
import type { Notification, NotificationSink } from './notifier.js';
import { parseTransportUrl, TransportUrlError, type TransportUrl } from './transport-url.js';

/** Sends every notification to each of several sinks (one per configured driver). */
export class FanoutSink implements NotificationSink {
  constructor(readonly sinks: readonly NotificationSink[]) {}

  send(notification: Notification): void {
    for (const sink of this.sinks) sink.send(notification);
  }

  /** Closes every sink, concurrently, so their flush deadlines do not add up. */
  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close?.()));
  }
}

/**
 * Builds the sink for `cfg.drivers` (see the module comment). Throws ConfigError when a
 * messaging driver is enabled and the transport URL is unusable; connects to nothing yet.
 */
export function createNotificationSink(cfg: NotificationConfig, log: SinkLogger): NotificationSink {
  const sinks: NotificationSink[] = [];
  let transport: TransportUrl | undefined;
  for (const driver of new Set(cfg.drivers)) {
    if (driver === 'log') sinks.push(new LogSink(log));
    else if (driver === 'noop') continue;
    else if (driver === 'messagingv2' || driver === 'messaging') {
      transport ??= transportOf(cfg);
      sinks.push(messagingSink(driver, transport, cfg, log));
    } else {
      log.warn({ driver }, 'unknown notification driver; ignoring it');
    }
  }
  if (sinks.length === 0) return new NoopSink();
  return sinks.length === 1 ? sinks[0]! : new FanoutSink(sinks);
}

function messagingSink(format: MessagingFormat, transport: TransportUrl, cfg: NotificationConfig, log: SinkLogger): MessagingSink {
  return new MessagingSink({
    format,
    transport,
    exchange: cfg.exchange,
    topics: cfg.topics,
    retry: cfg.retry,
    queueSize: cfg.sendQueueSize,
    rabbit: cfg.rabbit,
  }, log);
}

function transportOf(cfg: NotificationConfig): TransportUrl {
  let transport: TransportUrl;
  try {
    transport = parseTransportUrl(cfg.transportUrl);
  } catch (err) {
    if (err instanceof TransportUrlError) throw new ConfigError(`[oslo_messaging_notifications] transport_url: ${err.message}`);
    throw err;
  }
  // oslo.messaging lets the URL's query set driver options; TLS is the one glance-ts cannot honour.
  if (/^(1|true|yes|on)$/i.test(transport.query.ssl ?? '')) {
    throw new ConfigError('[oslo_messaging_notifications] transport_url: ssl=1 is not supported by glance-ts yet (TLS to RabbitMQ)');
  }
  return transport;
}
