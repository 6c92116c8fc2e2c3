/**
 * Runs an external tool (qemu-img) for the import plugins: no shell, bounded captured output, a
 * wall-clock timeout and cancellation through an AbortSignal, both of which SIGKILL the process.
 */
import { spawn } from 'node:child_process';

/** How to run the tool. */
export interface RunToolOptions {
  /** Aborting kills the process; the run then rejects with `signal.reason`. */
  signal: AbortSignal;
  /** The process is killed after this many milliseconds. */
  timeoutMs: number;
  /** Bytes of stdout and of stderr kept each (default 1 MiB); the rest is counted, not kept. */
  maxOutput?: number;
}

/** How the tool ended. */
export interface ToolResult {
  /** Exit code, null when the process was killed by a signal. */
  code: number | null;
  /** The signal that ended the process, if any (SIGKILL after a timeout). */
  killedBy: NodeJS.Signals | null;
  /** True when the timeout killed the process. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args…` to completion and resolves with its outcome, whatever its exit code.
 * Rejects only when the process cannot be started (e.g. ENOENT: not installed) or the signal
 * aborted the run (the process has been killed and has exited by then).
 */
export function runTool(command: string, args: readonly string[], opts: RunToolOptions): Promise<ToolResult> {
  opts.signal.throwIfAborted();
  const max = opts.maxOutput ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = new Capture(max);
    const stderr = new Capture(max);
    child.stdout.on('data', (c: Buffer) => stdout.add(c));
    child.stderr.on('data', (c: Buffer) => stderr.add(c));
    let timedOut = false;
    let aborted = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGKILL');
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
    };
    child.once('error', (err) => {
      done();
      reject(err);
    });
    // 'close' (not 'exit') so both pipes are drained before the output is read.
    child.once('close', (code, killedBy) => {
      done();
      if (aborted) {
        reject(opts.signal.reason);
        return;
      }
      resolve({ code, killedBy, timedOut, stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

/** The first `max` bytes of a stream, remembering that more came. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = false;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    const room = this.max - this.kept;
    if (room <= 0) {
      this.dropped = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part !== chunk) this.dropped = true;
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped ? `${s}…` : s;
  }
}
