import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Absolute path of the repository root (tests run from dist/test/…, sources live beside). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of a file under the repository root. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}
