/**
 * The one error type of the configuration layer. Its message is written for the operator and
 * names the place to fix: file and line for syntax errors; file, section, option and the
 * expected form for bad values, e.g.
 * `/etc/glance/glance-api.conf [DEFAULT] bind_port: expected an integer between 0 and 65535, got "abc"`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /** @param message the complete operator-facing message. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown by the option type converters when a raw string does not fit the type; the registry
 * turns it into a ConfigError that adds the location. `expected` completes "expected …".
 */
export class OptionValueError extends Error {
  override readonly name = 'OptionValueError';

  constructor(readonly expected: string) {
    super(`expected ${expected}`);
  }
}
