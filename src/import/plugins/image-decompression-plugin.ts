/**
 * `image_decompression`: replaces a staged gzip file or single-file zip archive by its content,
 * so an image published compressed (typically fetched by web-download) is stored ready to boot.
 *
 * As in Glance: the format is recognised by its magic bytes only (zip `PK\x03\x04` at 0, gzip
 * `\x1f\x8b\x08` at 0, LHA `-lh` at 2); anything else passes unchanged; an image whose
 * container_format is `compressed` is left alone, because that container format says the image
 * is meant to stay compressed; a zip must hold exactly one file; LHA is refused (Glance needs
 * the optional lhafile module for it, which is not installed by default); the image's formats
 * are not changed. Added here: the decompressed size is bounded by `[DEFAULT] image_size_cap`,
 * so a decompression bomb fails the import instead of filling the staging disk.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createGunzip, createInflateRaw } from 'node:zlib';
import { GlanceError, TooLarge, UnsupportedMediaType } from '../../domain/errors.js';
import { SizeLimit } from '../../stream/size-limit.js';
import type { ImportPlugin, ImportPluginContext } from './import-plugin.js';
import { singleZipMember, type ZipMember } from './zip-member.js';

/** What the plugin is built from. */
export interface ImageDecompressionOptions {
  /** `[DEFAULT] image_size_cap`: the most bytes the decompressed image may have. */
  imageSizeCap: number;
}

type Archive = 'zip' | 'gzip' | 'lha';

const MAGIC: ReadonlyArray<{ kind: Archive; offset: number; bytes: Buffer }> = [
  { kind: 'zip', offset: 0, bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04]) },
  { kind: 'lha', offset: 2, bytes: Buffer.from('-lh', 'latin1') },
  { kind: 'gzip', offset: 0, bytes: Buffer.from([0x1f, 0x8b, 0x08]) },
];
const HEADER_LENGTH = Math.max(...MAGIC.map((m) => m.offset + m.bytes.length));

/** Decompresses staged gzip and zip data in place; see the module comment for the rules. */
export class ImageDecompressionPlugin implements ImportPlugin {
  readonly name = 'image_decompression';

  constructor(private readonly opts: ImageDecompressionOptions) {}

  async run(ctx: ImportPluginContext): Promise<void> {
    if (ctx.image.container_format === 'compressed') return;
    const src = ctx.stagingPath;
    const kind = detect(await readHead(src));
    if (kind === null) return;
    if (kind === 'lha') throw new UnsupportedMediaType('LHA archives are not supported: no LHA decompressor is available');
    const dest = `${src}.uc`;
    try {
      const size = kind === 'gzip' ? await this.gunzip(src, dest, ctx.signal) : await this.unzip(src, dest, ctx.signal);
      await rename(dest, src);
      ctx.log.info({ image_id: ctx.image.id, size }, `Decompressed the ${kind} image data`);
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (err instanceof GlanceError || !isZlibError(err)) throw err;
      throw new UnsupportedMediaType(`The ${kind} data is damaged: ${(err as Error).message}`, { cause: err });
    } finally {
      await rm(dest, { force: true });
    }
  }

  private async gunzip(src: string, dest: string, signal: AbortSignal): Promise<number> {
    const limit = this.sizeLimit();
    await pipeline(createReadStream(src), createGunzip(), limit, createWriteStream(dest), { signal });
    return limit.bytes;
  }

  private async unzip(src: string, dest: string, signal: AbortSignal): Promise<number> {
    const member = await readMember(src);
    if (member.uncompressedSize > this.opts.imageSizeCap) throw this.tooLarge();
    const data = member.compressedSize === 0
      ? Readable.from([])
      : createReadStream(src, { start: member.dataOffset, end: member.dataOffset + member.compressedSize - 1 });
    const limit = this.sizeLimit();
    const crc = new Crc32();
    const inflate = member.method === 8 ? createInflateRaw() : new PassThrough();
    await pipeline(data, inflate, limit, crc, createWriteStream(dest), { signal });
    // The central directory's size and CRC are what the archiver computed from the original.
    if (limit.bytes !== member.uncompressedSize || crc.value !== member.crc32) {
      throw new UnsupportedMediaType(`The zip data is damaged: ${member.name} does not match its recorded size and CRC-32`);
    }
    return limit.bytes;
  }

  private sizeLimit(): SizeLimit {
    return new SizeLimit({ limit: this.opts.imageSizeCap, tooLarge: () => this.tooLarge() });
  }

  private tooLarge(): TooLarge {
    return new TooLarge(`The decompressed image is larger than the image size cap of ${this.opts.imageSizeCap} bytes`);
  }
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEADER_LENGTH);
    const { bytesRead } = await file.read(buf, 0, HEADER_LENGTH, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function detect(head: Buffer): Archive | null {
  const found = MAGIC.find((m) => head.length >= m.offset + m.bytes.length && head.subarray(m.offset, m.offset + m.bytes.length).equals(m.bytes));
  return found?.kind ?? null;
}

async function readMember(path: string): Promise<ZipMember> {
  const file = await open(path, 'r');
  try {
    return await singleZipMember(file, (await stat(path)).size);
  } finally {
    await file.close();
  }
}

// zlib reports bad input as errors carrying a Z_* code (Z_DATA_ERROR, Z_BUF_ERROR for a
// truncated stream).
function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** Pass-through that computes the CRC-32 of what flows through it. */
class Crc32 extends Transform {
  value = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.value = crc32(chunk, this.value);
    cb(null, chunk);
  }
}
