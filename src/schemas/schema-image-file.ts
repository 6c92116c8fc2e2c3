/**
 * Finds and reads the operator's `schema-image.json`, as Glance looks for it next to its
 * configuration files (Debian installs it as /etc/glance/schema-image.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mergeCustomProperties, SchemaLoadError, stockCustomProperties, type CustomProperties } from './custom-properties.js';
import type { JsonSchema } from './image-schema.js';

/** Where the custom properties came from, for the start-up log. */
export interface LoadedCustomProperties {
  custom: CustomProperties;
  /** The file read, or null when none was found and the stock properties apply. */
  file: string | null;
}

/**
 * Reads the first `schema-image.json` found in the directories of `configFiles` (in order), then
 * `/etc/glance`. Without one, the properties Glance and Debian ship in that file apply, so a
 * deployment without the file serves the same schema as a packaged Glance.
 * @throws SchemaLoadError when the file is not valid JSON or clashes with the base schema.
 */
export function loadCustomProperties(configFiles: string[], base: Record<string, JsonSchema>): LoadedCustomProperties {
  const dirs = [...new Set([...configFiles.map((f) => dirname(f)), '/etc/glance'])];
  for (const dir of dirs) {
    const file = join(dir, 'schema-image.json');
    if (!existsSync(file)) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new SchemaLoadError(`${file}: ${(err as Error).message}`);
    }
    return { custom: mergeCustomProperties(doc, base), file };
  }
  return { custom: stockCustomProperties(), file: null };
}
