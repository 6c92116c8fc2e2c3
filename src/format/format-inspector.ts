/**
 * Format inspection on the upload stream. Every inspector sees the same chunks in parallel, in a
 * pass-through Transform placed in the upload pipeline: chunks are forwarded as they are (no
 * copy) and backpressure is the pipeline's own. Inspectors drop out as soon as they need no more
 * bytes — all but a streamOptimized VMDK's footer ring are done within the first few hundred KiB
 * — after which a chunk costs one counter addition.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import type { DiskInspector } from './disk-inspector.js';
import { formatVerdict, type FormatVerdict, type FormatVerdictOptions } from './format-verdict.js';
import { GptInspector } from './gpt-inspector.js';
import { IsoInspector } from './iso-inspector.js';
import { LuksInspector } from './luks-inspector.js';
import { Qcow2Inspector } from './qcow2-inspector.js';
import { QedInspector } from './qed-inspector.js';
import { RawInspector } from './raw-inspector.js';
import { VdiInspector } from './vdi-inspector.js';
import { VhdInspector } from './vhd-inspector.js';
import { VhdxInspector } from './vhdx-inspector.js';
import { VmdkInspector } from './vmdk-inspector.js';

/** One fresh inspector of every format Glance inspects, raw included. */
export function allInspectors(): DiskInspector[] {
  return [
    new RawInspector(),
    new Qcow2Inspector(),
    new VhdInspector(),
    new VhdxInspector(),
    new VmdkInspector(),
    new VdiInspector(),
    new QedInspector(),
    new IsoInspector(),
    new GptInspector(),
    new LuksInspector(),
  ];
}

/**
 * A pass-through Transform that inspects the bytes flowing through it. After the stream has
 * ended (the pipeline resolved), `verdict(...)` applies Glance's rules; before that it throws.
 */
export class FormatInspector extends Transform {
  /** Every inspector, in a fixed order. */
  readonly inspectors: readonly DiskInspector[];
  private active: DiskInspector[];
  private total = 0;
  private ended = false;

  constructor(opts: TransformOptions = {}) {
    super(opts);
    this.inspectors = allInspectors();
    this.active = this.inspectors.filter((i) => i.wantsData);
  }

  /** Bytes that went through so far. */
  get bytes(): number {
    return this.total;
  }

  /** Bytes of image data all inspectors together hold in memory. */
  get heldBytes(): number {
    return this.inspectors.reduce((n, i) => n + i.heldBytes, 0);
  }

  /** True while at least one inspector still reads the chunks. */
  get inspecting(): boolean {
    return this.active.length > 0;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.inspectChunk(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.inspectEnd();
    callback();
  }

  /**
   * Inspects a chunk without streaming it, for callers that already hold the bytes (a staged
   * file read in a loop, tests). Chunks must come in order; do not mix with piping.
   */
  inspectChunk(chunk: Buffer): void {
    if (this.ended) throw new Error('FormatInspector: data after end');
    this.total += chunk.length;
    if (this.active.length > 0) this.feed(chunk);
  }

  /** Declares the end of the data given to `inspectChunk` (piping does this itself). */
  inspectEnd(): void {
    if (this.ended) return;
    for (const inspector of this.inspectors) inspector.finish(this.total);
    this.active = [];
    this.ended = true;
  }

  /** The names of the non-raw formats whose inspector matched (after the stream ended). */
  matchedFormats(): string[] {
    this.assertEnded();
    return this.inspectors.filter((i) => i.name !== 'raw' && i.matches()).map((i) => i.name);
  }

  /**
   * Glance's verdict on the inspected stream for an image with these formats; see
   * `formatVerdict` for the rules.
   * @throws UnsupportedMediaType when the upload must be refused
   */
  verdict(diskFormat: string | null, containerFormat: string | null, opts: FormatVerdictOptions): FormatVerdict {
    this.assertEnded();
    return formatVerdict(this.inspectors, diskFormat, containerFormat, opts);
  }

  private feed(chunk: Buffer): void {
    let kept = 0;
    const active = this.active;
    for (let i = 0; i < active.length; i++) {
      const inspector = active[i]!;
      inspector.push(chunk);
      if (inspector.wantsData) active[kept++] = inspector;
    }
    active.length = kept;
  }

  private assertEnded(): void {
    if (!this.ended) throw new Error('FormatInspector: the stream has not ended');
  }
}
