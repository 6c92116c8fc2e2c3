/**
 * The notifications slice: which oslo.messaging notification drivers are enabled, and for the
 * message-bus drivers where and how to publish (`[oslo_messaging_notifications]`, the
 * `[oslo_messaging_rabbit]` options the publisher honours, `[DEFAULT] control_exchange`).
 */
import type { Config } from './config.js';
import { ConfigError } from './config-error.js';

/** The RabbitMQ driver options the notification publisher honours. */
export interface RabbitOptions {
  /** `amqp_durable_queues` (or `rabbit_quorum_queue`): durable exchange and queues. */
  durable: boolean;
  /** `amqp_auto_delete`: exchange and queues deleted when their last user goes. */
  autoDelete: boolean;
  /** `rabbit_quorum_queue`: declare the notification queues as quorum queues. */
  quorumQueue: boolean;
  /** `rabbit_retry_interval`, seconds: the first wait before reconnecting. */
  retryInterval: number;
  /** `rabbit_retry_backoff`, seconds: how much the wait grows (the growth doubles each time). */
  retryBackoff: number;
  /** `rabbit_interval_max`, seconds: the longest wait between reconnection attempts. */
  intervalMax: number;
  /** `heartbeat_timeout_threshold`, seconds (0 = no heartbeat). */
  heartbeatTimeout: number;
}

/** What the notifier and its sinks need from the configuration. */
export interface NotificationConfig {
  /** `[DEFAULT] default_publisher_id` (`image.localhost`). */
  publisherId: string;
  /** `[DEFAULT] disabled_notifications`: event types or groups never sent. */
  disabled: string[];
  /** `driver`, every occurrence in order: `messagingv2`, `messaging`, `log`, `noop`, …; [] = none. */
  drivers: string[];
  /**
   * `[oslo_messaging_notifications] transport_url`, else `[DEFAULT] transport_url` (default
   * `rabbit://`). Holds credentials: never log it.
   */
  transportUrl: string;
  /** `topics`: each notification goes to `<topic>.<priority>` for every topic. */
  topics: string[];
  /** `retry`: reconnection attempts before a waiting notification is given up; -1 = forever. */
  retry: number;
  /** `[DEFAULT] control_exchange`: the topic exchange (`glance`). */
  exchange: string;
  /** `send_queue_size` (glance-ts): notifications that may wait for the broker, per driver. */
  sendQueueSize: number;
  rabbit: RabbitOptions;
}

/** Builds the notifications slice; throws ConfigError for options glance-ts cannot honour. */
export function notificationSlice(c: Config): NotificationConfig {
  const topics = c.get<string[]>('oslo_messaging_notifications', 'topics').filter((t) => t !== '');
  if (topics.length === 0) {
    throw new ConfigError('[oslo_messaging_notifications] topics: at least one topic is needed');
  }
  if (c.get<boolean>('oslo_messaging_rabbit', 'ssl')) {
    // Refused rather than ignored: silently publishing in clear text would be worse.
    throw new ConfigError('[oslo_messaging_rabbit] ssl: TLS connections to RabbitMQ are not supported by glance-ts yet');
  }
  const quorumQueue = c.get<boolean>('oslo_messaging_rabbit', 'rabbit_quorum_queue');
  return {
    publisherId: c.get<string>('DEFAULT', 'default_publisher_id'),
    disabled: c.get<string[]>('DEFAULT', 'disabled_notifications'),
    drivers: c.get<string[]>('oslo_messaging_notifications', 'driver'),
    transportUrl: c.get<string | null>('oslo_messaging_notifications', 'transport_url') ?? c.get<string>('DEFAULT', 'transport_url'),
    topics,
    retry: c.get<number>('oslo_messaging_notifications', 'retry'),
    exchange: c.get<string>('DEFAULT', 'control_exchange'),
    sendQueueSize: c.get<number>('oslo_messaging_notifications', 'send_queue_size'),
    rabbit: {
      // oslo.messaging: quorum queues are always durable, so the exchange follows.
      durable: c.get<boolean>('oslo_messaging_rabbit', 'amqp_durable_queues') || quorumQueue,
      autoDelete: c.get<boolean>('oslo_messaging_rabbit', 'amqp_auto_delete'),
      quorumQueue,
      retryInterval: c.get<number>('oslo_messaging_rabbit', 'rabbit_retry_interval'),
      retryBackoff: c.get<number>('oslo_messaging_rabbit', 'rabbit_retry_backoff'),
      intervalMax: c.get<number>('oslo_messaging_rabbit', 'rabbit_interval_max'),
      heartbeatTimeout: c.get<number>('oslo_messaging_rabbit', 'heartbeat_timeout_threshold'),
    },
  };
}
