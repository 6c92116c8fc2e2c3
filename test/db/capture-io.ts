/** A ManageIo that records stdout and stderr lines interleaved, in order, for assertions. */
import type { ManageIo } from '../../src/cli/manage-io.js';

/** The recording io; `lines` holds every line written, `out` only stdout lines. */
export interface CapturedIo extends ManageIo {
  lines: string[];
  out_lines: string[];
}

/** A fresh recorder. */
export function captureIo(): CapturedIo {
  const io: CapturedIo = {
    lines: [],
    out_lines: [],
    out: (l) => {
      io.lines.push(l);
      io.out_lines.push(l);
    },
    err: (l) => io.lines.push(l),
    now: () => new Date(),
    pid: 4242,
  };
  return io;
}

/** Replaces oslo.log's `YYYY-MM-DD HH:MM:SS.mmm PID ` prefix with a fixed mask. */
export function maskLogPrefix(line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ /, '<ts> <pid> ');
}
