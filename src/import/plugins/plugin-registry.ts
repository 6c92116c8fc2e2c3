/**
 * Turns `[image_import_opts] image_import_plugins` into plugin instances, once at start-up, so
 * a misspelt name stops the service instead of silently skipping a step of every import.
 */
import { ConfigError } from '../../config/config-error.js';
import type { ImportPluginsConfig } from '../../config/import-plugins-slice.js';
import { ImageConversionPlugin } from './image-conversion-plugin.js';
import { ImageDecompressionPlugin } from './image-decompression-plugin.js';
import type { ImportPlugin } from './import-plugin.js';
import { InjectMetadataPlugin } from './inject-metadata-plugin.js';
import { NoOpPlugin } from './no-op-plugin.js';

/** The plugins an operator may list, by name. */
const FACTORIES: Readonly<Record<string, (c: ImportPluginsConfig) => ImportPlugin>> = {
  no_op: () => new NoOpPlugin(),
  image_conversion: (c) => new ImageConversionPlugin({
    outputFormat: c.conversionOutputFormat,
    vmdkAllowedTypes: c.vmdkAllowedTypes,
    gptSafetyChecksNonfatal: c.gptSafetyChecksNonfatal,
  }),
  image_decompression: (c) => new ImageDecompressionPlugin({ imageSizeCap: c.imageSizeCap }),
  inject_image_metadata: (c) => new InjectMetadataPlugin({ properties: c.injectProperties, ignoreUserRoles: c.ignoreUserRoles }),
};

/** The names `image_import_plugins` accepts. */
export const IMPORT_PLUGIN_NAMES: readonly string[] = Object.keys(FACTORIES);

/**
 * One plugin per configured name, in the configured order (a name listed twice runs twice).
 * The list is empty by default: imports then go straight from staging to
 * the stores.
 * @throws ConfigError naming the unknown plugin and the known ones
 */
export function buildImportPlugins(config: ImportPluginsConfig): ImportPlugin[] {
  return config.plugins.map((name) => {
    const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
    if (factory === undefined) {
      throw new ConfigError(
        `[image_import_opts] image_import_plugins: unknown import plugin "${name}" (known: ${IMPORT_PLUGIN_NAMES.join(', ')})`,
      );
    }
    return factory(config);
  });
}
