import { randomUUID } from 'node:crypto';

/** Priority of a notification, as oslo.messaging names them. */
export type NotificationPriority = 'INFO' | 'WARN' | 'ERROR';

/** One notification as oslo.messaging's Notifier builds it (the v2 envelope's inner message). */
export interface Notification {
  message_id: string;
  publisher_id: string;
  event_type: string;
  priority: NotificationPriority;
  payload: unknown;
  /** `YYYY-MM-DD HH:MM:SS.ffffff`, UTC, as oslo.messaging writes it. */
  timestamp: string;
}

/**
 * Where notifications go (log, message bus, nowhere). `send` must never throw or block the
 * caller: a sink buffers or drops, it does not fail an API call.
 */
export interface NotificationSink {
  send(notification: Notification): void;
  close?(): Promise<void>;
}

/** The notifier's own slice of `[DEFAULT]` and `[oslo_messaging_notifications]`. */
export interface NotifierConfig {
  /** `default_publisher_id`, Glance's default `image.localhost`. */
  publisherId: string;
  /** `disabled_notifications`: exact event types (`image.update`) or groups (`image`). */
  disabled: string[];
}

/**
 * Emits Glance's notifications (`image.create`, `image.member.update`, `task.success`, …) to a
 * sink, dropping the ones `disabled_notifications` names. Emitting is fire-and-forget.
 */
export class Notifier {
  private readonly disabled: Set<string>;

  constructor(
    private readonly config: NotifierConfig,
    private readonly sink: NotificationSink,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.disabled = new Set(config.disabled);
  }

  /** True when an event would be sent; lets callers skip building costly payloads. */
  enabled(eventType: string): boolean {
    // Glance matches either the exact event type or its first dotted segment ("image").
    return !this.disabled.has(eventType) && !this.disabled.has(eventType.split('.')[0]!);
  }

  /** Sends `eventType` with `payload` at INFO priority. */
  info(eventType: string, payload: unknown): void {
    this.emit('INFO', eventType, payload);
  }

  /** Sends `eventType` at ERROR priority (failed upload, short download). */
  error(eventType: string, payload: unknown): void {
    this.emit('ERROR', eventType, payload);
  }

  private emit(priority: NotificationPriority, eventType: string, payload: unknown): void {
    if (!this.enabled(eventType)) return;
    this.sink.send({
      message_id: randomUUID(),
      publisher_id: this.config.publisherId,
      event_type: eventType,
      priority,
      payload,
      timestamp: formatOsloTimestamp(this.now()),
    });
  }

  /** Flushes and closes the sink. */
  async close(): Promise<void> {
    await this.sink.close?.();
  }
}

/** `2026-11-26 20:39:42.123000`: Python's `str(datetime)` of a naive UTC time, as oslo sends it. */
export function formatOsloTimestamp(d: Date): string {
  const iso = d.toISOString(); // 2026-11-26T20:39:42.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}
