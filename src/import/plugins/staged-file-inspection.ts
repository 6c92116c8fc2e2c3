/**
 * Runs glance-ts's own format inspectors over a staged file, so that a plugin learns what the
 * file really is, and whether it is safe, before handing it to qemu-img (Glance does the same
 * since the qemu-img CVEs of 2024: qemu-img must never open a file whose format was only
 * declared).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { DiskInspector } from '../../format/disk-inspector.js';
import { allInspectors } from '../../format/format-inspector.js';

/**
 * Feeds the file to every inspector, in order, until none wants more bytes (most formats are
 * decided in the first few hundred KiB; a streamOptimized vmdk reads to the end for its footer),
 * then finishes them with the file's size. The result goes to `formatVerdict`.
 */
export async function inspectStagedFile(path: string, signal: AbortSignal): Promise<DiskInspector[]> {
  const { size } = await stat(path);
  const inspectors = allInspectors();
  let active = inspectors.filter((i) => i.wantsData);
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (const inspector of active) inspector.push(chunk);
    active = active.filter((i) => i.wantsData);
    // Leaving the loop destroys the stream: the rest of the file is never read.
    if (active.length === 0) break;
  }
  for (const inspector of inspectors) inspector.finish(size);
  return inspectors;
}
