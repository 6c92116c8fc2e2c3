/**
 * QEMU copy-on-write v2/v3 (qcow2). The first 512 bytes hold everything needed: the big-endian
 * header gives the virtual size, the backing-file pointer and, from version 3, the incompatible
 * feature bits. A backing file or an external data file would make qemu open a second, host-side
 * file named by the uploader, so both are refused (CVE-2024-32498 for the data file).
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, u64be, type SafetyFailure } from './disk-inspector.js';

const MAGIC = 0x514649fb; // "QFI\xfb"
// Header layout (offsets in bytes, big-endian).
const VERSION = 4;
const BACKING_FILE_OFFSET = 8;
const SIZE = 24;
const INCOMPATIBLE_FEATURES = 72;
// Incompatible feature bits qemu defines and the checks below know: dirty (0), corrupt (1),
// external data file (2), compression type (3). Anything above is unknown to us and refused,
// since qemu would interpret the image in a way we did not inspect.
const KNOWN_INCOMPATIBLE = 0x0fn;
const DATA_FILE_BIT = 0x04n;

/** Inspector for qcow2 (and, to refuse it, the old qcow v1 with the same magic). */
export class Qcow2Inspector extends DiskInspector {
  readonly name = 'qcow2';
  private readonly header: ByteRegion;

  constructor() {
    super();
    this.header = this.addRegion(0, 512);
  }

  protected override regionComplete(): void {
    if (this.header.data.readUInt32BE(0) !== MAGIC) this.abandon('no qcow2 magic');
  }

  protected override formatMatch(): boolean {
    return this.header.complete && this.header.data.readUInt32BE(0) === MAGIC;
  }

  override virtualSize(): number | null {
    return this.matches() ? u64be(this.header.data, SIZE) : null;
  }

  protected override checks(): SafetyFailure[] {
    const h = this.header.data;
    const failures: SafetyFailure[] = [];
    if (h.readBigUInt64BE(BACKING_FILE_OFFSET) !== 0n) {
      failures.push({ check: 'backing_file', reason: 'Image has a backing file' });
    }
    const version = h.readUInt32BE(VERSION);
    if (version === 3) {
      const features = h.readBigUInt64BE(INCOMPATIBLE_FEATURES);
      if (features & DATA_FILE_BIT) {
        failures.push({ check: 'data_file', reason: 'Image has an external data file' });
      }
      if (features & ~KNOWN_INCOMPATIBLE) {
        failures.push({ check: 'unknown_features', reason: 'Image uses unknown incompatible qcow2 features' });
      }
    } else if (version !== 2) {
      // Version 2 has no feature field; anything but 2 or 3 is not a qcow2 qemu should open.
      failures.push({ check: 'unknown_features', reason: `Unsupported qcow2 version ${version}` });
    }
    return failures;
  }
}
