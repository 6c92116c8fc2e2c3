/**
 * Locates the one member of a single-file zip archive (zip64 included) by its central
 * directory, so the decompression plugin can stream that member's data out of the file. Only
 * what import needs is read: the end-of-central-directory record, one central directory entry
 * and that entry's local header.
 */
import type { FileHandle } from 'node:fs/promises';
import { UnsupportedMediaType } from '../../domain/errors.js';

/** Where the member's data lies and what it must decompress to. */
export interface ZipMember {
  name: string;
  /** 0 = stored, 8 = deflate (the only methods accepted). */
  method: 0 | 8;
  /** Offset of the member's (compressed) data in the archive. */
  dataOffset: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/**
 * Reads the archive's structure and returns its only member.
 * @throws UnsupportedMediaType for a damaged archive, one with more or fewer than one entry
 *   (Glance refuses those too), a directory entry, encryption or a method other than
 *   stored/deflate
 */
export async function singleZipMember(file: FileHandle, fileSize: number): Promise<ZipMember> {
  const eocd = await findEndRecord(file, fileSize);
  let entries = eocd.buf.readUInt16LE(10);
  let cdOffset = eocd.buf.readUInt32LE(16);
  if (entries === U16_MAX || cdOffset === U32_MAX) {
    const locator = await readAt(file, eocd.at - 20, 20);
    if (locator.readUInt32LE(0) !== EOCD64_LOCATOR_SIG) throw damaged('zip64 locator missing');
    const record = await readAt(file, safe(locator.readBigUInt64LE(8)), 56);
    if (record.readUInt32LE(0) !== EOCD64_SIG) throw damaged('zip64 end record missing');
    entries = safe(record.readBigUInt64LE(32));
    cdOffset = safe(record.readBigUInt64LE(48));
  }
  if (entries !== 1) {
    throw new UnsupportedMediaType(`The zip archive holds ${entries} entries; only an archive of exactly one file can be imported`);
  }
  const central = await readAt(file, cdOffset, 46);
  if (central.readUInt32LE(0) !== CENTRAL_SIG) throw damaged('central directory not found');
  const flags = central.readUInt16LE(8);
  const method = central.readUInt16LE(10);
  const nameLength = central.readUInt16LE(28);
  const extraLength = central.readUInt16LE(30);
  const variable = await readAt(file, cdOffset + 46, nameLength + extraLength);
  const name = variable.subarray(0, nameLength).toString('utf8');
  const sizes = zip64Sizes(
    { uncompressed: central.readUInt32LE(24), compressed: central.readUInt32LE(20), offset: central.readUInt32LE(42) },
    variable.subarray(nameLength),
  );
  if (name.endsWith('/')) throw new UnsupportedMediaType('The zip archive holds a directory, not an image file');
  if ((flags & 1) !== 0) throw new UnsupportedMediaType('Encrypted zip archives are not supported');
  if (method !== 0 && method !== 8) throw new UnsupportedMediaType(`Zip compression method ${method} is not supported (only stored and deflate)`);
  const local = await readAt(file, sizes.offset, 30);
  if (local.readUInt32LE(0) !== LOCAL_SIG) throw damaged('local header not found');
  const dataOffset = sizes.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (dataOffset + sizes.compressed > fileSize) throw damaged('member data runs past the end of the file');
  return {
    name,
    method,
    dataOffset,
    compressedSize: sizes.compressed,
    uncompressedSize: sizes.uncompressed,
    crc32: central.readUInt32LE(16),
  };
}

// The end record is the last 22 bytes unless the archive has a comment (up to 64 KiB): search
// backwards for the signature whose comment length reaches exactly the end of the file.
async function findEndRecord(file: FileHandle, fileSize: number): Promise<{ at: number; buf: Buffer }> {
  const span = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT);
  const tail = await readAt(file, fileSize - span, span);
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
      return { at: fileSize - span + i, buf: tail.subarray(i, i + EOCD_SIZE) };
    }
  }
  throw damaged('end of central directory not found');
}

// The zip64 extra field (id 1) holds, in this order, the 64-bit values of those fields that
// are 0xFFFFFFFF in the entry.
function zip64Sizes(
  sizes: { uncompressed: number; compressed: number; offset: number },
  extra: Buffer,
): { uncompressed: number; compressed: number; offset: number } {
  const out = { ...sizes };
  const keys = (['uncompressed', 'compressed', 'offset'] as const).filter((k) => sizes[k] === U32_MAX);
  if (keys.length === 0) return out;
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 1) {
      if (length < keys.length * 8 || at + 4 + length > extra.length) throw damaged('zip64 extra field too short');
      keys.forEach((k, n) => (out[k] = safe(extra.readBigUInt64LE(at + 4 + n * 8))));
      return out;
    }
    at += 4 + length;
  }
  throw damaged('zip64 extra field missing');
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await file.read(buf, 0, length, position);
  if (bytesRead !== length) throw damaged('archive is truncated');
  return buf;
}

function safe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged('offset out of range');
  return Number(value);
}

function damaged(what: string): UnsupportedMediaType {
  return new UnsupportedMediaType(`The zip archive is damaged: ${what}`);
}
