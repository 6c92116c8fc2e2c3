/**
 * Ways to run a FormatInspector over fixture bytes in the format tests: chunk by chunk in odd
 * sizes (to prove that no parser depends on where chunks split), and through a real stream
 * pipeline (to prove the Transform passes every byte through unchanged).
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FormatInspector } from '../../src/format/format-inspector.js';
import type { FormatVerdictOptions } from '../../src/format/format-verdict.js';

/** Glance 2025.1's defaults, with master's strict gpt setting. */
export const DEFAULTS: FormatVerdictOptions = {
  requireImageFormatMatch: true,
  gptNonfatal: [],
  vmdkAllowedTypes: ['streamOptimized', 'monolithicSparse'],
};

// Every fixture keeps its metadata in its first 4 MiB; past that only the end matters (sizes,
// the vmdk footer), so 1-byte chunks stop there to keep the run short.
const ODD_SPAN = 4 * 1024 * 1024;
const BIG = 64 * 1024;

/** Yields `bytes` in chunks of `size` up to 4 MiB, then in 64 KiB chunks. */
export function* chunks(bytes: Buffer, size: number): Generator<Buffer> {
  let at = 0;
  while (at < bytes.length) {
    const step = at < ODD_SPAN ? size : BIG;
    yield bytes.subarray(at, Math.min(at + step, bytes.length));
    at += step;
  }
}

/**
 * Runs a fresh FormatInspector over `bytes` in chunks of `size`, without a stream. Once no
 * inspector reads the chunks any more, the rest goes in one piece: only its length counts then.
 */
export function inspectBytes(bytes: Buffer, size: number): FormatInspector {
  const fi = new FormatInspector();
  let at = 0;
  for (; at < bytes.length && fi.inspecting; at += size) fi.inspectChunk(bytes.subarray(at, at + size));
  if (at < bytes.length) fi.inspectChunk(bytes.subarray(at));
  fi.inspectEnd();
  return fi;
}

/**
 * Pipes `bytes` (in chunks of `size`) through a FormatInspector to a sink, as the upload
 * pipeline does, and checks that the sink received exactly the input.
 */
export async function inspectStream(bytes: Buffer, size: number): Promise<FormatInspector> {
  const fi = new FormatInspector();
  const seen = createHash('sha256');
  let length = 0;
  await pipeline(
    Readable.from(chunks(bytes, size), { objectMode: false }),
    fi,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        seen.update(chunk);
        length += chunk.length;
        cb();
      },
    }),
  );
  if (length !== bytes.length || seen.digest('hex') !== createHash('sha256').update(bytes).digest('hex')) {
    throw new Error('FormatInspector altered the stream');
  }
  return fi;
}

/** The verdict's outcome as a comparable value: the result, or the error's kind and message. */
export function outcome(
  fi: FormatInspector,
  diskFormat: string | null,
  containerFormat: string | null = 'bare',
  opts: Partial<FormatVerdictOptions> = {},
): { detected: string; virtualSize: number | null } | { error: string; message: string } {
  try {
    const v = fi.verdict(diskFormat, containerFormat, { ...DEFAULTS, ...opts });
    return { detected: v.detected, virtualSize: v.virtualSize };
  } catch (err) {
    const e = err as { kind?: string; message: string };
    return { error: e.kind ?? 'thrown', message: e.message };
  }
}
