/**
 * Microsoft Virtual PC / Hyper-V VHD ("vpc" to qemu). Dynamic and differencing VHDs start with a
 * copy of the 512-byte big-endian footer; its "current size" field is the size qemu reports. A
 * fixed VHD has its footer only at the end and is, byte for byte, a raw disk: it is not matched
 * here, exactly as Glance does not match it.
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, u64be, type SafetyFailure } from './disk-inspector.js';

const COOKIE = Buffer.from('conectix', 'latin1');
const CURRENT_SIZE = 48;

/** Inspector for vhd: matches on the leading footer cookie; no safety check applies. */
export class VhdInspector extends DiskInspector {
  readonly name = 'vhd';
  private readonly footer: ByteRegion;

  constructor() {
    super();
    this.footer = this.addRegion(0, 512);
  }

  protected override regionComplete(): void {
    if (!this.hasCookie()) this.abandon('no vhd cookie');
  }

  protected override formatMatch(): boolean {
    // The cookie alone identifies the format; a file too short for the whole footer still
    // matches, and then fails its checks as truncated rather than passing as raw.
    return this.hasCookie();
  }

  override virtualSize(): number | null {
    return this.matches() && this.footer.complete ? u64be(this.footer.data, CURRENT_SIZE) : null;
  }

  protected override checks(): SafetyFailure[] {
    return [];
  }

  private hasCookie(): boolean {
    const d = this.footer.data;
    return d.length >= COOKIE.length && d.subarray(0, COOKIE.length).equals(COOKIE);
  }
}
