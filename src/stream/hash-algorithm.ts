/**
 * Maps Glance's `hashing_algorithm` (a Python hashlib name) to the digest name node:crypto
 * understands, so `os_hash_algo` keeps the operator's spelling while the bytes are hashed by
 * OpenSSL under Node's name for the same function.
 */
import { createHash } from 'node:crypto';

/** A hash function usable for `os_hash_value`. */
export interface HashAlgorithm {
  /** The name as configured (Glance stores this verbatim in `os_hash_algo`). */
  readonly name: string;
  /** The name passed to node:crypto `createHash`. */
  readonly nodeName: string;
}

// hashlib spells a few functions differently from OpenSSL's own names, which Node uses.
const HASHLIB_TO_NODE: Readonly<Record<string, string>> = {
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

// Extendable-output functions: hashlib's hexdigest() needs a length for these, so Glance itself
// fails on them after the upload; refusing them up front is the honest equivalent.
const XOF = new Set(['shake_128', 'shake_256', 'shake128', 'shake256']);

/**
 * Resolves a hashlib algorithm name. Returns undefined when the name is not a fixed-length hash
 * this process's OpenSSL can compute (unknown, an XOF, or a legacy digest whose provider is not
 * loaded); the caller turns that into the error fitting its context (start-up or request).
 * Matching is case-insensitive, as hashlib's OpenSSL fallback is.
 */
export function resolveHashAlgorithm(name: string): HashAlgorithm | undefined {
  const lower = name.trim().toLowerCase();
  if (lower === '' || XOF.has(lower)) return undefined;
  const candidates = [HASHLIB_TO_NODE[lower], lower, lower.replace(/_/g, '-')];
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    try {
      // getHashes() also lists digests OpenSSL 3 cannot instantiate without the legacy
      // provider (md4, whirlpool): only a real createHash proves the name usable.
      createHash(candidate).digest();
      return { name, nodeName: candidate };
    } catch {
      // not this spelling; try the next
    }
  }
  return undefined;
}

/** A few names the operator can use, quoted in start-up errors. */
export const EXAMPLE_HASHLIB_NAMES = ['sha512', 'sha256', 'sha3_256', 'blake2b'] as const;
