/**
 * QEMU enhanced disk (qed). Recognised only so that it can be refused: nothing in OpenStack
 * supports it and it carries backing-file features of its own, so it never passes.
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, u64le, type SafetyFailure } from './disk-inspector.js';

const MAGIC = Buffer.from('QED\0', 'latin1');
const IMAGE_SIZE = 48; // little-endian u64 after magic, sizes, features and the L1 offset

/** Inspector for qed: matches on the magic, always fails its safety check. */
export class QedInspector extends DiskInspector {
  readonly name = 'qed';
  private readonly header: ByteRegion;

  constructor() {
    super();
    this.header = this.addRegion(0, 512);
  }

  protected override regionComplete(): void {
    if (!this.header.data.subarray(0, 4).equals(MAGIC)) this.abandon('no qed magic');
  }

  protected override formatMatch(): boolean {
    return this.header.complete && this.header.data.subarray(0, 4).equals(MAGIC);
  }

  override virtualSize(): number | null {
    return this.matches() ? u64le(this.header.data, IMAGE_SIZE) : null;
  }

  protected override checks(): SafetyFailure[] {
    return [{ check: 'banned', reason: 'The qed format is not allowed' }];
  }
}
