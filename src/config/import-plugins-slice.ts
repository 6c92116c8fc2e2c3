/**
 * The import plugins' slice: which plugins run, in which order, and each plugin's options
 * (`[image_import_opts]`, `[image_conversion]`, `[inject_metadata_properties]`, and the
 * `[image_format]` / `[DEFAULT]` values the plugins enforce). Operators usually keep these in
 * `glance-image-import.conf`; the slice reads them from whichever loaded file sets them.
 */
import type { Config } from './config.js';

/** What `buildImportPlugins` needs. */
export interface ImportPluginsConfig {
  /** `[image_import_opts] image_import_plugins`, in the configured order (names not yet checked). */
  plugins: string[];
  /** `[image_conversion] output_format` (raw, qcow2 or vmdk; the registry checks the choice). */
  conversionOutputFormat: 'raw' | 'qcow2' | 'vmdk';
  /** `[inject_metadata_properties] inject`. */
  injectProperties: Record<string, string>;
  /** `[inject_metadata_properties] ignore_user_roles`. */
  ignoreUserRoles: string[];
  /** `[image_format] vmdk_allowed_types`. */
  vmdkAllowedTypes: string[];
  /** `[image_format] gpt_safety_checks_nonfatal`. */
  gptSafetyChecksNonfatal: string[];
  /** `[DEFAULT] image_size_cap`: bound of a decompressed image. */
  imageSizeCap: number;
}

/** Builds the import plugins' slice from the loaded configuration. */
export function importPluginsSlice(c: Config): ImportPluginsConfig {
  return {
    plugins: [...c.get<string[]>('image_import_opts', 'image_import_plugins')],
    conversionOutputFormat: c.get<'raw' | 'qcow2' | 'vmdk'>('image_conversion', 'output_format'),
    injectProperties: { ...(c.get<Readonly<Record<string, string>> | null>('inject_metadata_properties', 'inject') ?? {}) },
    ignoreUserRoles: [...(c.get<string[] | null>('inject_metadata_properties', 'ignore_user_roles') ?? [])],
    vmdkAllowedTypes: [...c.get<string[]>('image_format', 'vmdk_allowed_types')],
    gptSafetyChecksNonfatal: [...c.get<string[]>('image_format', 'gpt_safety_checks_nonfatal')],
    imageSizeCap: c.get<number | null>('DEFAULT', 'image_size_cap') ?? 1099511627776,
  };
}
