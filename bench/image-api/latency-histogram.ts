/**
 * A small log-linear latency histogram (microsecond values): exact below 128 µs, then 64
 * sub-buckets per power of two, so any percentile it reports is within 1.6 % of the true
 * value. Fixed memory whatever the number of samples; mergeable across connections or threads.
 */

// 64 sub-buckets per octave: relative bucket width 1/64.
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
const LINEAR = SUB * 2;
// Octaves from 2^7 µs up to 2^31 µs (~36 min): more than any bounded benchmark needs.
const OCTAVES = 31 - SUB_BITS - 1;
const SIZE = LINEAR + OCTAVES * SUB;

function indexOf(us: number): number {
  const v = Math.min(Math.max(0, Math.round(us)), 2 ** 31 - 1);
  if (v < LINEAR) return v;
  const msb = 31 - Math.clz32(v);
  const shift = msb - SUB_BITS;
  return LINEAR + (shift - 1) * SUB + ((v >> shift) - SUB);
}

function valueOf(index: number): number {
  if (index < LINEAR) return index;
  const shift = Math.floor((index - LINEAR) / SUB) + 1;
  const sub = ((index - LINEAR) % SUB) + SUB;
  // The middle of the bucket: the best single estimate of what fell into it.
  return (sub << shift) + (1 << (shift - 1));
}

/** Counts of latencies in microseconds; `percentile` answers in microseconds. */
export class LatencyHistogram {
  /** Raw bucket counts (exposed so a histogram can cross a worker-thread boundary). */
  readonly counts: Float64Array;
  private n = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(SIZE);
    if (counts) {
      this.counts.set(counts);
      for (let i = 0; i < SIZE; i++) this.n += this.counts[i]!;
    }
  }

  /** Number of recorded samples. */
  get count(): number {
    return this.n;
  }

  /** Records one latency of `us` microseconds (clamped to [0, 2^31)). */
  record(us: number): void {
    this.counts[indexOf(us)]! += 1;
    this.n += 1;
  }

  /** Adds every sample of `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < SIZE; i++) this.counts[i]! += other.counts[i]!;
    this.n += other.n;
  }

  /**
   * The latency at or below which `p` percent of the samples fall (0 < p <= 100), in
   * microseconds; NaN when empty.
   */
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return valueOf(i);
    }
    return valueOf(SIZE - 1);
  }
}
