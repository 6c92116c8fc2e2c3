/**
 * A minimal zip archive writer for the decompression tests (stored or deflate members,
 * optionally in zip64 form), so the tests need no zip tool or package. Archives it writes pass
 * `unzip -t` and Python's zipfile.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** One file of the archive. */
export interface ZipEntry {
  name: string;
  data: Buffer;
  /** 0 = stored, 8 = deflate (default). */
  method?: 0 | 8;
}

const U32_MAX = 0xffffffff;

/** The archive's bytes. With `zip64`, sizes, offsets and counts are given in their zip64 forms. */
export function zipArchive(entries: ZipEntry[], opts: { zip64?: boolean; crcOf?: (e: ZipEntry) => number } = {}): Buffer {
  const zip64 = opts.zip64 ?? false;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const method = entry.method ?? 8;
    const body = method === 8 ? deflateRawSync(entry.data) : entry.data;
    const name = Buffer.from(entry.name, 'utf8');
    const crc = opts.crcOf?.(entry) ?? crc32(entry.data);
    const version = zip64 ? 45 : 20;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(version, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(zip64 ? U32_MAX : body.length, 18);
    local.writeUInt32LE(zip64 ? U32_MAX : entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const localExtra = zip64 ? extra64([entry.data.length, body.length]) : Buffer.alloc(0);
    local.writeUInt16LE(localExtra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0300 | version, 4);
    central.writeUInt16LE(version, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(zip64 ? U32_MAX : body.length, 20);
    central.writeUInt32LE(zip64 ? U32_MAX : entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const centralExtra = zip64 ? extra64([entry.data.length, body.length, offset]) : Buffer.alloc(0);
    central.writeUInt16LE(centralExtra.length, 30);
    central.writeUInt32LE(zip64 ? U32_MAX : offset, 42);
    const localPart = Buffer.concat([local, name, localExtra, body]);
    locals.push(localPart);
    centrals.push(Buffer.concat([central, name, centralExtra]));
    offset += localPart.length;
  }
  const cd = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  eocd.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(zip64 ? U32_MAX : cd.length, 12);
  eocd.writeUInt32LE(zip64 ? U32_MAX : offset, 16);
  return Buffer.concat([...locals, cd, ...tail, eocd]);
}

// Zip64 extended information extra field (id 1) with the given 64-bit values.
function extra64(values: number[]): Buffer {
  const buf = Buffer.alloc(4 + values.length * 8);
  buf.writeUInt16LE(1, 0);
  buf.writeUInt16LE(values.length * 8, 2);
  values.forEach((v, i) => buf.writeBigUInt64LE(BigInt(v), 4 + i * 8));
  return buf;
}
