/**
 * VirtualBox disk image (vdi). A 512-byte little-endian header: the signature sits at 0x40 and
 * the disk size at 0x170.
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, u64le, type SafetyFailure } from './disk-inspector.js';

const SIGNATURE_AT = 0x40;
const SIGNATURE = 0xbeda107f;
const DISK_SIZE = 0x170;

/** Inspector for vdi: matches on the header signature; no safety check applies. */
export class VdiInspector extends DiskInspector {
  readonly name = 'vdi';
  private readonly header: ByteRegion;

  constructor() {
    super();
    this.header = this.addRegion(0, 512);
  }

  protected override regionComplete(): void {
    if (this.header.data.readUInt32LE(SIGNATURE_AT) !== SIGNATURE) this.abandon('no vdi signature');
  }

  protected override formatMatch(): boolean {
    return this.header.complete && this.header.data.readUInt32LE(SIGNATURE_AT) === SIGNATURE;
  }

  override virtualSize(): number | null {
    return this.matches() ? u64le(this.header.data, DISK_SIZE) : null;
  }

  protected override checks(): SafetyFailure[] {
    return [];
  }
}
