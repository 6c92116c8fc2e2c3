import type { Notification, NotificationSink } from './notifier.js';

/** The minimal logger a LogSink needs (pino's `info` fits). */
export interface NotificationLogger {
  info(obj: object, msg: string): void;
}

/**
 * oslo.messaging's `log` driver: every notification becomes one log line carrying the whole
 * notification, so an operator can follow events without a message bus.
 */
export class LogSink implements NotificationSink {
  constructor(private readonly log: NotificationLogger) {}

  send(notification: Notification): void {
    this.log.info({ notification }, `notification ${notification.event_type}`);
  }
}

/** oslo.messaging's `noop` driver (and the default when no driver is configured). */
export class NoopSink implements NotificationSink {
  send(): void {}
}

/** Keeps every notification in memory; for tests that assert on emitted events. */
export class MemorySink implements NotificationSink {
  readonly sent: Notification[] = [];
  send(notification: Notification): void {
    this.sent.push(notification);
  }
}
