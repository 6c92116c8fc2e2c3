/**
 * Partitioned disks: a legacy MBR, or the protective MBR in front of a GPT. Both end their first
 * sector with 0x55AA and carry four 16-byte partition entries at 446. A FAT volume boot record
 * has the same signature but is a filesystem, not a partition table: it is told apart by its BIOS
 * parameter block (two FATs, fixed-disk media byte) and not matched. The checks make sure the
 * table is one a firmware or qemu reads the way this inspector did.
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, type SafetyFailure } from './disk-inspector.js';

const SIGNATURE_AT = 510;
const SIGNATURE = 0xaa55; // little-endian 0x55 0xAA
const TABLE_AT = 446;
const PROTECTIVE = 0xee;
// FAT boot-sector fields that a partition table's boot code would not plausibly hold together.
const FAT_COUNT = 0x10;
const FAT_MEDIA = 0x15;
const FIXED_DISK_MEDIA = 0xf8;

/** Inspector for gpt/mbr: one safety check, `mbr`, over the four primary entries. */
export class GptInspector extends DiskInspector {
  readonly name = 'gpt';
  private readonly mbr: ByteRegion;

  constructor() {
    super();
    this.mbr = this.addRegion(0, 512);
  }

  protected override regionComplete(): void {
    if (!this.looksPartitioned()) this.abandon('no partition table signature');
  }

  protected override formatMatch(): boolean {
    return this.mbr.complete && this.looksPartitioned();
  }

  override virtualSize(): number | null {
    return this.matches() ? this.size : null;
  }

  protected override checks(): SafetyFailure[] {
    const fail = (reason: string): SafetyFailure[] => [{ check: 'mbr', reason }];
    const d = this.mbr.data;
    const used: number[] = [];
    let protective = false;
    for (let i = 0; i < 4; i++) {
      const e = TABLE_AT + 16 * i;
      const boot = d[e]!;
      const type = d[e + 4]!;
      if (boot !== 0x00 && boot !== 0x80) return fail(`MBR partition ${i} has an invalid boot flag`);
      if (type !== 0) used.push(i);
      if (type === PROTECTIVE) {
        protective = true;
        // The protective entry must start right after the MBR: CHS 0/0/2 (head 0, sector 2,
        // cylinder 0 as stored: bytes 0x00 0x02 0x00) and LBA 1.
        if (d[e + 1] !== 0x00 || d[e + 2] !== 0x02 || d[e + 3] !== 0x00) {
          return fail('GPT protective MBR entry has an invalid start CHS');
        }
        if (d.readUInt32LE(e + 8) !== 1) return fail('GPT protective MBR entry has an invalid start LBA');
      }
    }
    if (protective && (used.length !== 1 || used[0] !== 0)) {
      return fail('GPT protective MBR defines other partitions');
    }
    if (used.length === 0) return fail('MBR defines no partitions');
    return [];
  }

  private looksPartitioned(): boolean {
    const d = this.mbr.data;
    const isFat = d[FAT_COUNT] === 2 && d[FAT_MEDIA] === FIXED_DISK_MEDIA;
    return d.readUInt16LE(SIGNATURE_AT) === SIGNATURE && !isFat;
  }
}
