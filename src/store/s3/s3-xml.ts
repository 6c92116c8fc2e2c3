/**
 * The little XML S3 speaks to this store: reading flat elements out of its answers (error
 * bodies, upload ids, listings) and writing the two request documents it sends. S3 answers are
 * shallow and never nest an element inside one of the same name, so a regular expression per
 * element is enough; values are entity-decoded.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e]!;
  });
}

/** Escapes text for an XML element. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);
}

function pattern(tag: string): RegExp {
  return new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`, 'g');
}

/** The decoded text of the first `<tag>` element of `xml`, or null when there is none. */
export function xmlText(xml: string, tag: string): string | null {
  const m = pattern(tag).exec(xml);
  return m ? decode(m[1] ?? '') : null;
}

/** The raw (undecoded) inner XML of every `<tag>` element of `xml`, in order. */
export function xmlAll(xml: string, tag: string): string[] {
  return [...xml.matchAll(pattern(tag))].map((m) => m[1] ?? '');
}

/** The CompleteMultipartUpload document for `parts` (in part-number order). */
export function completeMultipartXml(parts: readonly { partNumber: number; etag: string }[]): string {
  const items = [...parts]
    .sort((a, b) => a.partNumber - b.partNumber)
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${xmlEscape(p.etag)}</ETag></Part>`);
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items.join('')}</CompleteMultipartUpload>`;
}

/** The CreateBucketConfiguration document naming `region`. */
export function createBucketXml(region: string): string {
  return `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${xmlEscape(region)}</LocationConstraint></CreateBucketConfiguration>`;
}
