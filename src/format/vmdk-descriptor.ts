/**
 * The text descriptor of a VMDK: `key=value` header lines, one extent line per data file, and a
 * `ddb.*` disk database. qemu opens every extent it names, so a descriptor is accepted only when
 * every line is one of those known shapes and no extent names a path: a flat extent pointing at
 * `/etc/...` would make qemu serve a host file as the guest's disk (CVE-2022-47951).
 */
import type { SafetyFailure } from './disk-inspector.js';

/** What the inspector needs from a descriptor. */
export interface VmdkDescriptor {
  /** The descriptor lower-cased (VMDK keywords are case-insensitive), up to its first NUL. */
  readonly text: string;
  /** `createType` as written (original case), or null when absent or implausibly long. */
  readonly createType: string | null;
}

/** The subformats qemu stores inside the one streamed file (sparse extents in the same file). */
export const SINGLE_FILE_TYPES: ReadonlySet<string> = new Set(['monolithicsparse', 'streamoptimized']);

const EXTENT_ACCESS = new Set(['rw', 'rdonly', 'noaccess']);
const CREATE_TYPE = /createtype="/i;

/**
 * Decodes descriptor bytes. Embedded descriptors are NUL-padded to whole sectors, so text stops
 * at the first NUL. Returns null when the bytes are not ASCII.
 */
export function parseVmdkDescriptor(bytes: Buffer): VmdkDescriptor | null {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  for (let i = 0; i < end; i++) if (bytes[i]! > 0x7f) return null;
  const original = bytes.toString('latin1', 0, end);
  const m = CREATE_TYPE.exec(original);
  let createType: string | null = null;
  if (m !== null) {
    const from = m.index + m[0].length;
    const to = original.indexOf('"', from);
    // A value without a closing quote, or longer than any real type name, is not trusted.
    if (to >= 0 && to - from < 64) createType = original.slice(from, to);
  }
  return { text: original.toLowerCase(), createType };
}

/** Checks a descriptor line by line; returns the failures (empty = acceptable). */
export function checkVmdkDescriptor(desc: VmdkDescriptor | null): SafetyFailure[] {
  const fail = (reason: string): SafetyFailure[] => [{ check: 'descriptor', reason }];
  if (desc === null || desc.text === '') return fail('No VMDK descriptor found');
  if (desc.createType === null || !SINGLE_FILE_TYPES.has(desc.createType.toLowerCase())) {
    return fail(`Unsupported VMDK subformat ${desc.createType ?? '(none)'}`);
  }
  let extents = 0;
  for (const raw of desc.text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('ddb')) continue;
    const eq = line.indexOf('=');
    if (eq >= 0 && !line.slice(0, eq).includes(' ')) continue; // header field: a bare key
    if (EXTENT_ACCESS.has(line.split(' ')[0]!)) {
      if (line.includes('/')) return fail('VMDK extent names a path');
      extents++;
      continue;
    }
    // Anything qemu might read that this parser does not understand is refused.
    return fail('Invalid VMDK descriptor line');
  }
  if (extents === 0) return fail('VMDK descriptor defines no extents');
  return [];
}

/** True if every byte is printable ASCII or whitespace, as a text descriptor file is. */
export function looksLikeText(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    // Printable ASCII, tab..carriage return, and the 0x1c-0x1f separators Python counts as space.
    if (!((c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))) return false;
  }
  return true;
}
