/**
 * Microsoft VHDX. Little-endian, and the virtual size is three hops into the file: the file
 * identifier at 0 ("vhdxfile"), the region table at 192 KiB lists the metadata region's offset,
 * the metadata table there lists where the "virtual disk size" item lives, and that item is a
 * u64. Each hop is captured as its own bounded region, so at most the 64 KiB region table and
 * the 64 KiB metadata table are ever held. Region and item identifiers are GUIDs stored in the
 * Microsoft mixed-endian layout; they are compared as those 16 on-disk bytes.
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, u64le, type SafetyFailure } from './disk-inspector.js';

const IDENTIFIER = Buffer.from('vhdxfile', 'latin1');
const REGION_TABLE_AT = 192 * 1024;
const REGION_TABLE_LENGTH = 64 * 1024;
const REGION_SIGNATURE = Buffer.from('regi', 'latin1');
const METADATA_SIGNATURE = Buffer.from('metadata', 'latin1');
// Both tables hold at most 2047 entries of 32 bytes after a header (16 bytes for regions,
// 32 for metadata); larger counts are corrupt.
const MAX_ENTRIES = 2047;
const METADATA_REGION = guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E');
const VIRTUAL_DISK_SIZE = guidBytes('2FA54224-CD1B-4876-B211-5DBED83BF4B8');

/** Inspector for vhdx: matches on the file identifier; no safety check applies. */
export class VhdxInspector extends DiskInspector {
  readonly name = 'vhdx';
  private readonly ident: ByteRegion;
  private regionTable: ByteRegion | null = null;
  private metadataHeader: ByteRegion | null = null;
  private metadataEntries: ByteRegion | null = null;
  private sizeItem: ByteRegion | null = null;

  constructor() {
    super();
    this.ident = this.addRegion(0, IDENTIFIER.length);
  }

  protected override regionComplete(region: ByteRegion): void {
    if (region === this.ident) {
      if (!this.ident.data.equals(IDENTIFIER)) return this.abandon('no vhdx identifier');
      this.regionTable = this.addRegion(REGION_TABLE_AT, REGION_TABLE_LENGTH);
    } else if (region === this.regionTable) {
      this.findMetadataRegion(region.data);
    } else if (region === this.metadataHeader) {
      const d = region.data;
      if (!d.subarray(0, 8).equals(METADATA_SIGNATURE)) return this.abandon('bad metadata table signature');
      const count = d.readUInt16LE(10);
      if (count > MAX_ENTRIES) return this.abandon(`metadata entry count ${count} too large`);
      this.metadataEntries = this.addRegion(region.offset + 32, count * 32);
    } else if (region === this.metadataEntries) {
      this.findSizeItem(region.data, this.metadataHeader!.offset);
    }
  }

  protected override formatMatch(): boolean {
    return this.ident.complete && this.ident.data.equals(IDENTIFIER);
  }

  override virtualSize(): number | null {
    if (!this.matches() || this.sizeItem === null || !this.sizeItem.complete) return null;
    return u64le(this.sizeItem.data, 0);
  }

  protected override checks(): SafetyFailure[] {
    return [];
  }

  private findMetadataRegion(table: Buffer): void {
    if (!table.subarray(0, 4).equals(REGION_SIGNATURE)) return this.abandon('bad region table signature');
    const count = table.readUInt32LE(8);
    if (count > MAX_ENTRIES) return this.abandon(`region entry count ${count} too large`);
    for (let i = 0; i < count; i++) {
      const e = 16 + 32 * i;
      if (table.subarray(e, e + 16).equals(METADATA_REGION)) {
        this.metadataHeader = this.addRegion(u64le(table, e + 16), 32);
        return;
      }
    }
    // No metadata region: the format still matches, the virtual size stays unknown.
  }

  private findSizeItem(entries: Buffer, metadataAt: number): void {
    for (let e = 0; e + 32 <= entries.length; e += 32) {
      if (entries.subarray(e, e + 16).equals(VIRTUAL_DISK_SIZE)) {
        // Item offsets are relative to the metadata region's start.
        this.sizeItem = this.addRegion(metadataAt + entries.readUInt32LE(e + 16), 8);
        return;
      }
    }
  }
}

/** The 16 on-disk bytes of a GUID written as text: first three groups little-endian, rest as is. */
function guidBytes(text: string): Buffer {
  const hex = text.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}
