/**
 * A real ImportPluginContext for the plugin tests: a staged file in a temporary directory, an
 * image record built by the domain's own factory, and the changes and log lines the plugin
 * recorded, for the test to read back.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newImage } from '../../src/domain/image.js';
import type { ImportImageChanges, ImportPluginContext } from '../../src/import/plugins/import-plugin.js';

/** What a plugin did through its context. */
export interface Recorded {
  ctx: ImportPluginContext;
  changes: ImportImageChanges[];
  logs: Array<{ level: 'info' | 'warn'; msg: string }>;
}

/** A temporary staging directory; each `stage` call stages one file as an image would be. */
export class StagingDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'glance-ts-import-plugins-'));

  /** A path in the directory for the test's own files. */
  scratch(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Writes `data` (or copies the file at `data`) as the staged file of a new image with these
   * formats, and returns its context. `roles` default to `member`.
   */
  stage(
    data: Buffer | string,
    formats: { disk_format: string | null; container_format: string | null },
    opts: { roles?: string[]; signal?: AbortSignal } = {},
  ): Recorded {
    const id = randomUUID();
    const stagingPath = join(this.dir, id);
    writeFileSync(stagingPath, typeof data === 'string' ? readFileSync(data) : data);
    const changes: ImportImageChanges[] = [];
    const logs: Recorded['logs'] = [];
    const image = newImage({ id, now: new Date(), owner: 'p1', ...formats });
    const ctx: ImportPluginContext = {
      image,
      stagingPath,
      roles: opts.roles ?? ['member'],
      update: (c) => changes.push(c),
      signal: opts.signal ?? new AbortController().signal,
      log: {
        info: (obj: unknown, msg?: string) => logs.push({ level: 'info', msg: msg ?? String(obj) }),
        warn: (obj: unknown, msg?: string) => logs.push({ level: 'warn', msg: msg ?? String(obj) }),
      } as unknown as ImportPluginContext['log'],
    };
    return { ctx, changes, logs };
  }

  /** Files in the directory whose name starts with the image id (the staged file and any leftovers). */
  filesOf(ctx: ImportPluginContext): string[] {
    return readdirSync(this.dir).filter((n) => n.startsWith(ctx.image.id)).sort();
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SHA-256 of a file, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
