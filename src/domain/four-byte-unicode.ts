/**
 * Glance's guard against characters outside the Basic Multilingual Plane (4 bytes in UTF-8):
 * MySQL's 3-byte `utf8` columns cannot store them, so Glance refuses them with 400 before any
 * write, whatever the database.
 */
import { BadRequest } from './errors.js';
import type { Image } from './image.js';

const ASTRAL = /[\u{10000}-\u{10FFFF}]/u;

/** True when `s` holds a character that needs 4 bytes in UTF-8. */
export function hasFourByteChar(s: string): boolean {
  return ASTRAL.test(s);
}

/** Python's `str.title()`: a cased letter is upper-cased after a non-letter, lower-cased otherwise. */
export function pythonTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (prevCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevCased = cased;
  }
  return out;
}

// The string-valued columns in the order Glance hands them to the database layer.
const COLUMNS = ['id', 'name', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'disk_format',
  'container_format', 'visibility'] as const;

/**
 * Throws `BadRequest` with Glance's message for the first 4-byte character found in the image's
 * string columns ("Name can't contain 4 byte unicode characters."), extra property names
 * ("Property names can't contain 4 byte unicode."), extra property values ("Hw_Disk_Bus can't
 * contain 4 byte unicode characters.") and tags ("Param values can't contain 4 byte unicode.").
 */
export function assertNoFourByteUnicode(image: Image): void {
  for (const col of COLUMNS) {
    const v = image[col];
    if (typeof v === 'string' && hasFourByteChar(v)) {
      throw new BadRequest(`${pythonTitle(col)} can't contain 4 byte unicode characters.`);
    }
  }
  for (const [key, value] of Object.entries(image.properties)) {
    if (hasFourByteChar(key)) throw new BadRequest("Property names can't contain 4 byte unicode.");
    if (value !== null && hasFourByteChar(value)) {
      throw new BadRequest(`${pythonTitle(key)} can't contain 4 byte unicode characters.`);
    }
  }
  for (const tag of image.tags) {
    if (hasFourByteChar(tag)) throw new BadRequest("Param values can't contain 4 byte unicode.");
  }
}
