/**
 * The byte range of an image download, as Glance reads it: one `Range: bytes=…` range
 * (including suffix ranges `bytes=-N` and open ranges `bytes=N-`), or, for old clients, a
 * request `Content-Range: bytes a-b/len`. Errors use Glance's texts.
 */
import { BadRequest, RangeNotSatisfiable } from '../domain/errors.js';

/** An inclusive byte range within the image. */
export interface ByteRange {
  start: number;
  end: number;
}

const RANGE = /^bytes=(\d*)-(\d*)$/i;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/i;

// WebOb's parser: `bytes=a-b` (b ≥ a), `bytes=a-`, `bytes=-n` (n > 0); anything else is null.
function parseRangeHeader(text: string): { start: number; end: number | null } | null {
  const m = RANGE.exec(text.trim());
  if (!m) return null;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return null;
  if (a === '') {
    const n = Number(b);
    return n > 0 ? { start: -n, end: null } : null;
  }
  const start = Number(a);
  if (b === '') return { start, end: null };
  const end = Number(b);
  return end >= start ? { start, end } : null;
}

/**
 * The range to serve of an image of `size` bytes, or null for the whole image.
 * @throws BadRequest for several ranges; RangeNotSatisfiable for an unparsable header or a
 *   start at or past the end.
 */
export function requestedRange(range: string | undefined, contentRange: string | undefined, size: number): ByteRange | null {
  if (range !== undefined) {
    if (range.includes(',')) {
      throw new BadRequest('Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.');
    }
    const r = parseRangeHeader(range);
    if (r === null) throw new RangeNotSatisfiable('', { detail: 'Invalid Range header.' });
    if (r.start >= size) {
      throw new RangeNotSatisfiable('', {
        detail: `Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`,
      });
    }
    // A suffix longer than the image means the whole image (RFC 7233).
    const start = r.start >= 0 ? r.start : Math.max(0, size + r.start);
    const end = r.end === null || r.end >= size ? size - 1 : r.end;
    return { start, end };
  }
  if (contentRange !== undefined) {
    const m = CONTENT_RANGE.exec(contentRange.trim());
    if (!m) throw new RangeNotSatisfiable('', { detail: 'Invalid Content-Range header.' });
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (end < start) throw new RangeNotSatisfiable('', { detail: 'Invalid Content-Range header.' });
    if (m[3] === '*' && end + 1 > size) {
      throw new RangeNotSatisfiable('', {
        detail: `Invalid stop position in Content-Range header. The stop position MUST be in the inclusive range [0, ${size - 1}].`,
      });
    }
    if (start >= size) {
      throw new RangeNotSatisfiable('', {
        detail: `Invalid start position in Content-Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`,
      });
    }
    return { start, end: Math.min(end, size - 1) };
  }
  return null;
}
