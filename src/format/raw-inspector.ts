/**
 * Raw: no structure at all. Every stream is raw; it is what an image is when no other inspector
 * recognises it. Its virtual size is its length.
 */
import { DiskInspector, type SafetyFailure } from './disk-inspector.js';

/** The catch-all inspector: always matches, virtual size = bytes in the stream, nothing to check. */
export class RawInspector extends DiskInspector {
  readonly name = 'raw';

  override get wantsData(): boolean {
    // Only the length matters, and `finish(total)` supplies it.
    return false;
  }

  override virtualSize(): number | null {
    return this.size;
  }

  protected override formatMatch(): boolean {
    return true;
  }

  protected override checks(): SafetyFailure[] {
    return [];
  }
}
