/**
 * LUKS encrypted volume. The big-endian LUKS1 header (592 bytes) gives the version and where the
 * encrypted payload starts; the payload runs to the end of the stream, so the virtual size is
 * known only once the stream has ended. qemu supports LUKS1 only, so any other version fails.
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, type SafetyFailure } from './disk-inspector.js';

const MAGIC = Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]); // "LUKS\xba\xbe"
const VERSION = 6; // u16
const PAYLOAD_OFFSET = 104; // u32, in 512-byte sectors, after the cipher/mode/hash names
const HEADER_LENGTH = 592;

/** Inspector for luks: matches on the magic; only version 1 is safe. */
export class LuksInspector extends DiskInspector {
  readonly name = 'luks';
  private readonly header: ByteRegion;

  constructor() {
    super();
    this.header = this.addRegion(0, HEADER_LENGTH);
  }

  protected override regionComplete(): void {
    if (!this.hasMagic()) this.abandon('no luks magic');
  }

  protected override formatMatch(): boolean {
    return this.hasMagic();
  }

  override virtualSize(): number | null {
    if (!this.matches() || !this.header.complete || !this.isFinished) return null;
    const payload = this.header.data.readUInt32BE(PAYLOAD_OFFSET) * 512;
    return payload <= this.size ? this.size - payload : null;
  }

  protected override checks(): SafetyFailure[] {
    const version = this.header.data.readUInt16BE(VERSION);
    if (version !== 1) return [{ check: 'version', reason: `LUKS version ${version} is not supported` }];
    return [];
  }

  private hasMagic(): boolean {
    const d = this.header.data;
    return d.length >= MAGIC.length && d.subarray(0, MAGIC.length).equals(MAGIC);
  }
}
