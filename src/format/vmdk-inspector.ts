/**
 * VMware VMDK. Two shapes reach an upload: a sparse extent file (monolithicSparse or
 * streamOptimized) starting with the little-endian "KDMV" header, whose text descriptor is
 * embedded from sector 1; or a bare text descriptor file, which only ever describes extents kept
 * in other files (monolithicFlat and friends) and is matched in order to be refused.
 *
 * A streamOptimized file may set the grain-directory offset to "at end": the authoritative header
 * is then a footer in the last 1536 bytes (footer marker, header copy, end-of-stream marker). The
 * inspector keeps those bytes in a ring and checks that the footer agrees with the header, since
 * qemu would read the footer's values instead of those inspected here.
 */
import type { ByteRegion } from './byte-region.js';
import { DiskInspector, type SafetyFailure } from './disk-inspector.js';
import {
  checkVmdkDescriptor,
  looksLikeText,
  parseVmdkDescriptor,
  SINGLE_FILE_TYPES,
  type VmdkDescriptor,
} from './vmdk-descriptor.js';

const MAGIC = Buffer.from('KDMV', 'latin1');
const SPARSE_HEADER = 64; // bytes of the sparse header the checks read
const HEAD = 512;
// qemu expects the embedded descriptor at sector 1 and caps descriptors just under 1 MiB.
const DESCRIPTOR_AT = 512;
const DESCRIPTOR_MAX = (1 << 20) - 1;
const GD_AT_END = 0xffffffffffffffffn;
const FOOTER_LENGTH = 1536;
const MARKER_EOS = 0;
const MARKER_FOOTER = 3;

/** The sparse-header fields compared between header and footer. */
interface SparseHeader {
  magic: string;
  version: number;
  sectors: bigint;
  descriptorSector: bigint;
  descriptorSectors: bigint;
  gdOffset: bigint;
}

/** Inspector for vmdk; also exposes the descriptor's `createType` for `vmdk_allowed_types`. */
export class VmdkInspector extends DiskInspector {
  readonly name = 'vmdk';
  private readonly head: ByteRegion;
  private kind: 'undecided' | 'sparse' | 'text' = 'undecided';
  private header: SparseHeader | null = null;
  private descriptorRegion: ByteRegion | null = null;
  private descriptor: VmdkDescriptor | null = null;
  private footerExpected = false;

  constructor() {
    super();
    this.head = this.addRegion(0, HEAD, SPARSE_HEADER);
  }

  /** The descriptor's createType as written, or null if none was found. */
  createType(): string | null {
    return this.descriptor?.createType ?? null;
  }

  protected override regionComplete(region: ByteRegion): void {
    if (region === this.head) this.decide();
    else if (region === this.descriptorRegion) this.descriptor = parseVmdkDescriptor(region.data);
  }

  protected override streamEnded(): void {
    // A stream shorter than one sector: decide on what arrived (at least a sparse header).
    if (this.kind === 'undecided' && this.head.satisfiedAtEnd()) this.decide();
    // A text descriptor file ends with the stream, before its 1 MiB cap.
    const d = this.descriptorRegion;
    if (d !== null && !d.complete && d.satisfiedAtEnd()) this.descriptor = parseVmdkDescriptor(d.data);
  }

  protected override formatMatch(): boolean {
    if (this.kind === 'sparse') return true;
    return this.kind === 'text' && this.descriptor?.createType != null;
  }

  override virtualSize(): number | null {
    if (!this.matches() || this.header === null) return null;
    const type = this.descriptor?.createType?.toLowerCase();
    if (type === undefined || !SINGLE_FILE_TYPES.has(type)) return null;
    return Number(this.header.sectors) * 512;
  }

  protected override checks(): SafetyFailure[] {
    const failures = checkVmdkDescriptor(this.descriptor);
    if (this.footerExpected) failures.push(...this.checkFooter());
    return failures;
  }

  private decide(): void {
    const head = this.head.data;
    if (!head.subarray(0, 4).equals(MAGIC)) {
      // Not a sparse extent: maybe a text descriptor file, which qemu also opens as vmdk.
      if (!looksLikeText(head)) return this.abandon('neither a sparse extent nor a text descriptor');
      this.kind = 'text';
      this.descriptorRegion = this.addRegion(0, DESCRIPTOR_MAX, 4);
      this.descriptorRegion.seed(head);
      return;
    }
    const h = readSparseHeader(head, 0);
    if (h.version < 1 || h.version > 3) return this.abandon(`unsupported sparse version ${h.version}`);
    if (h.descriptorSector * 512n !== BigInt(DESCRIPTOR_AT)) return this.abandon('descriptor not at sector 1');
    this.kind = 'sparse';
    this.header = h;
    const length = Math.min(Number(h.descriptorSectors) * 512, DESCRIPTOR_MAX);
    this.descriptorRegion = this.addRegion(DESCRIPTOR_AT, length);
    if (length === 0) this.descriptor = parseVmdkDescriptor(Buffer.alloc(0));
    if (h.gdOffset === GD_AT_END) {
      this.footerExpected = true;
      this.keepTail(FOOTER_LENGTH);
    }
  }

  private checkFooter(): SafetyFailure[] {
    const fail = (reason: string): SafetyFailure[] => [{ check: 'footer', reason }];
    const tail = this.tailData();
    const h = this.header!;
    const f = readSparseHeader(tail, 512);
    if (f.magic !== h.magic) return fail('VMDK footer signature differs from the header');
    if (f.version !== h.version) return fail('VMDK footer version differs from the header');
    if (f.descriptorSector !== h.descriptorSector || f.descriptorSectors !== h.descriptorSectors) {
      return fail('VMDK footer names a different descriptor than the header');
    }
    if (f.gdOffset === GD_AT_END) return fail('VMDK footer points to yet another footer');
    if (!isMarker(tail, 0, MARKER_FOOTER, false)) return fail('VMDK footer marker is invalid');
    if (!isMarker(tail, 1024, MARKER_EOS, true)) return fail('VMDK end-of-stream marker is invalid');
    return [];
  }
}

function readSparseHeader(b: Buffer, at: number): SparseHeader {
  return {
    magic: b.toString('latin1', at, at + 4),
    version: b.readUInt32LE(at + 4),
    sectors: b.readBigUInt64LE(at + 12),
    descriptorSector: b.readBigUInt64LE(at + 28),
    descriptorSectors: b.readBigUInt64LE(at + 36),
    gdOffset: b.readBigUInt64LE(at + 56),
  };
}

/**
 * A stream marker sector: u64 value, u32 size (0 for metadata markers), u32 type, then 496 zero
 * bytes. The end-of-stream marker also has value 0.
 */
function isMarker(b: Buffer, at: number, type: number, zeroValue: boolean): boolean {
  if (zeroValue && b.readBigUInt64LE(at) !== 0n) return false;
  if (b.readUInt32LE(at + 8) !== 0 || b.readUInt32LE(at + 12) !== type) return false;
  for (let i = at + 16; i < at + 512; i++) if (b[i] !== 0) return false;
  return true;
}
