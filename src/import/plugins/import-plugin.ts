/**
 * The contract between the import flows and the import plugins (`[image_import_opts]
 * image_import_plugins`). A flow runs the configured plugins in order once the image data is in
 * the staging store and before it is written to the target stores; each plugin may inspect or
 * rewrite the staged file and record changes to the image, which the flow applies when the
 * import completes. A plugin that throws fails the task with the error's message, and the flow
 * reverts the image.
 */
import type { Logger } from 'pino';
import type { Image } from '../../domain/image.js';

/** What a plugin sees of the import it takes part in. */
export interface ImportPluginContext {
  /** The image as it is now (read-only snapshot); disk_format, container_format, properties… */
  image: Image;
  /**
   * Absolute path of the staged data file on local disk (the staging store is a filesystem
   * store). Plugins that transform the data write a new file and atomically rename it over this
   * path.
   */
  stagingPath: string;
  /** Roles of the caller who started the import (lower-case). */
  roles: string[];
  /**
   * Records changes to apply to the image when the import completes (e.g. `{ disk_format:
   * 'raw', virtual_size: n }`, properties to add). Later calls win per field; properties merge.
   */
  update(changes: ImportImageChanges): void;
  /** Aborted when the task is cancelled or the process stops; plugins stop their work then. */
  signal: AbortSignal;
  log: Pick<Logger, 'info' | 'warn'>;
}

/** Image changes a plugin may ask for (Glance's plugins may set exactly these). */
export interface ImportImageChanges {
  disk_format?: string;
  container_format?: string;
  virtual_size?: number | null;
  properties?: Record<string, string>;
}

/** One step of the import flow between staging and the stores. */
export interface ImportPlugin {
  /** The name operators list in `image_import_plugins` (e.g. `image_conversion`). */
  readonly name: string;
  /**
   * Does the plugin's work on `ctx.stagingPath`. Resolves when done; rejects with a GlanceError
   * whose message says why the import must fail, or with `ctx.signal.reason` once aborted. A
   * rejected run leaves the staged file as it was (no partial rewrite, no temporary file).
   */
  run(ctx: ImportPluginContext): Promise<void>;
}
