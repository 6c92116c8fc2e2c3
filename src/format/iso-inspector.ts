/**
 * ISO 9660 and UDF optical-disc images. The first 32 KiB (sixteen 2 KiB sectors) are a system
 * area free for boot code — where hybrid ISOs put an MBR — and the first volume descriptor
 * follows at 32 KiB. Its standard identifier names the family; a primary volume descriptor (type
 * 1) also gives the volume size as a block count times the logical block size, both stored in
 * both byte orders (the little-endian halves are read here).
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, type SafetyFailure } from './disk-inspector.js';

const DESCRIPTOR_AT = 32 * 1024;
const DESCRIPTOR_LENGTH = 2048;
const IDENTIFIERS = new Set(['CD001', 'NSR02', 'NSR03']);
const PRIMARY = 1;
const VOLUME_SPACE_SIZE = 80; // u32 LE then BE
const LOGICAL_BLOCK_SIZE = 128; // u16 LE then BE

/** Inspector for iso: matches on the volume descriptor identifier; no safety check applies. */
export class IsoInspector extends DiskInspector {
  readonly name = 'iso';
  private readonly descriptor: ByteRegion;

  constructor() {
    super();
    this.descriptor = this.addRegion(DESCRIPTOR_AT, DESCRIPTOR_LENGTH);
  }

  protected override regionComplete(): void {
    if (!this.identified()) this.abandon('no volume descriptor identifier');
  }

  protected override formatMatch(): boolean {
    return this.descriptor.complete && this.identified();
  }

  override virtualSize(): number | null {
    if (!this.matches()) return null;
    const d = this.descriptor.data;
    if (d[0] !== PRIMARY) return null;
    return d.readUInt32LE(VOLUME_SPACE_SIZE) * d.readUInt16LE(LOGICAL_BLOCK_SIZE);
  }

  protected override checks(): SafetyFailure[] {
    return [];
  }

  private identified(): boolean {
    return IDENTIFIERS.has(this.descriptor.data.toString('latin1', 1, 6));
  }
}
