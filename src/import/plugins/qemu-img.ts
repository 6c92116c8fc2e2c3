/**
 * The two qemu-img calls of the image conversion plugin. `info` runs under Glance's process
 * limits (2 s of CPU, 1 GiB of address space, through util-linux's `prlimit`) because a crafted
 * header can make qemu-img spin or allocate without bound; both calls have a wall-clock timeout
 * and die with the task's AbortSignal.
 */
import { GlanceError, UnsupportedMediaType } from '../../domain/errors.js';
import { runTool, type ToolResult } from './run-tool.js';

/** What the plugin needs from `qemu-img info --output=json`. */
export interface QemuImgInfo {
  /** qemu's driver name (`vpc` for Glance's `vhd`). */
  format: string;
  virtualSize: number;
  /** `backing-filename`, null when the image has none. */
  backingFilename: string | null;
  /** A qcow2 external `data-file`, null when there is none. */
  dataFile: string | null;
  /** A vmdk's `create-type`, null for other formats or when qemu does not report it. */
  vmdkCreateType: string | null;
}

/** Timeouts of the two calls. */
export interface QemuImgOptions {
  /** Wall-clock bound of `qemu-img info`, ms (default 30 s; its CPU is capped at 2 s anyway). */
  infoTimeoutMs?: number;
  /** Wall-clock bound of `qemu-img convert`, ms (default 3 h: a large image converts for long). */
  convertTimeoutMs?: number;
}

// Glance's QEMU_IMG_PROC_LIMITS for `qemu-img info`.
const INFO_CPU_SECONDS = 2;
const INFO_ADDRESS_SPACE = 1024 * 1024 * 1024;

/** Glance disk_format → qemu-img driver, where the names differ. */
const DRIVER_OF: Readonly<Record<string, string>> = { vhd: 'vpc' };

/** The qemu-img driver name for a Glance `disk_format`. */
export function qemuDriver(diskFormat: string): string {
  return DRIVER_OF[diskFormat] ?? diskFormat;
}

/** Runs qemu-img; failures are GlanceErrors whose message carries qemu-img's stderr. */
export class QemuImg {
  private readonly infoTimeoutMs: number;
  private readonly convertTimeoutMs: number;

  constructor(opts: QemuImgOptions = {}) {
    this.infoTimeoutMs = opts.infoTimeoutMs ?? 30_000;
    this.convertTimeoutMs = opts.convertTimeoutMs ?? 3 * 3600_000;
  }

  /**
   * `qemu-img info -f <driver> --output=json <path>`. Any stderr output fails, as in Glance:
   * qemu-img only writes there when it could not read the image properly.
   * @throws UnsupportedMediaType when qemu-img cannot read the file as `driver`
   */
  async info(path: string, driver: string, signal: AbortSignal): Promise<QemuImgInfo> {
    const args = [`--cpu=${INFO_CPU_SECONDS}`, `--as=${INFO_ADDRESS_SPACE}`, '--', 'qemu-img', 'info', '-f', driver, '--output=json', path];
    const result = await start('prlimit', args, { signal, timeoutMs: this.infoTimeoutMs });
    if (result.timedOut) throw new GlanceError('internal', `qemu-img info did not finish within ${this.infoTimeoutMs / 1000} s`);
    if (result.code !== 0 || result.stderr.trim() !== '') {
      throw new UnsupportedMediaType(`qemu-img could not read the image as ${driver}: ${describe(result)}`);
    }
    return parseInfo(result.stdout);
  }

  /**
   * `qemu-img convert -f <from> -O <to> <src> <dest>`. The caller removes `dest` on failure.
   * @throws GlanceError (internal) when qemu-img fails or times out
   */
  async convert(src: string, from: string, dest: string, to: string, signal: AbortSignal): Promise<void> {
    const result = await start('qemu-img', ['convert', '-f', from, '-O', to, src, dest], { signal, timeoutMs: this.convertTimeoutMs });
    if (result.timedOut) throw new GlanceError('internal', `Image conversion did not finish within ${this.convertTimeoutMs / 1000} s`);
    if (result.code !== 0 || result.stderr.trim() !== '') {
      throw new GlanceError('internal', `Image conversion from ${from} to ${to} failed: ${describe(result)}`);
    }
  }
}

async function start(command: string, args: string[], opts: { signal: AbortSignal; timeoutMs: number }): Promise<ToolResult> {
  try {
    return await runTool(command, args, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const pkg = command === 'prlimit' ? 'util-linux' : 'qemu-utils';
      throw new GlanceError('internal', `${command} is not installed (package ${pkg}); image conversion is unavailable`, { cause: err });
    }
    throw err;
  }
}

function describe(result: ToolResult): string {
  const stderr = result.stderr.trim();
  if (stderr !== '') return stderr;
  return result.killedBy !== null ? `killed by ${result.killedBy}` : `exit status ${result.code}`;
}

function parseInfo(stdout: string): QemuImgInfo {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(stdout) as Record<string, unknown>;
  } catch (err) {
    throw new GlanceError('internal', 'qemu-img info printed no valid JSON', { cause: err });
  }
  const specific = record(record(info['format-specific'])['data']);
  const size = info['virtual-size'];
  return {
    format: typeof info['format'] === 'string' ? info['format'] : 'unknown',
    virtualSize: typeof size === 'number' ? size : 0,
    backingFilename: 'backing-filename' in info ? String(info['backing-filename']) : null,
    dataFile: typeof specific['data-file'] === 'string' ? specific['data-file'] : null,
    vmdkCreateType: typeof specific['create-type'] === 'string' ? specific['create-type'] : null,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
