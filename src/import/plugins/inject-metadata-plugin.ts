/**
 * `inject_image_metadata`: adds the operator's `[inject_metadata_properties] inject` properties
 * to every imported image, unless the caller holds one of `ignore_user_roles` (admin by
 * default), so administrators can import images without the stamps meant for users' images.
 */
import { isReservedNamespace } from '../../domain/image.js';
import type { ImportPlugin, ImportPluginContext } from './import-plugin.js';

/** The `[inject_metadata_properties]` options. */
export interface InjectMetadataOptions {
  /** `inject`: property name → value. */
  properties: Readonly<Record<string, string>>;
  /** `ignore_user_roles`: callers with any of these roles get nothing injected. */
  ignoreUserRoles: readonly string[];
}

/**
 * Records the configured properties as image changes. Keys in Glance's reserved `os_glance`
 * namespace are dropped with a warning, as Glance's import action wrapper drops them. Role
 * names compare case-insensitively (the context's roles are lower-case; an operator may write
 * `Admin`).
 */
export class InjectMetadataPlugin implements ImportPlugin {
  readonly name = 'inject_image_metadata';
  private readonly properties: Record<string, string>;
  private readonly ignored: ReadonlySet<string>;

  constructor(opts: InjectMetadataOptions) {
    this.properties = { ...opts.properties };
    this.ignored = new Set(opts.ignoreUserRoles.map((r) => r.toLowerCase()));
  }

  async run(ctx: ImportPluginContext): Promise<void> {
    if (ctx.roles.some((r) => this.ignored.has(r.toLowerCase()))) return;
    const properties: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.properties)) {
      if (isReservedNamespace(key)) {
        ctx.log.warn({ image_id: ctx.image.id, property: key }, 'Dropping a reserved property during metadata injection');
      } else {
        properties[key] = value;
      }
    }
    if (Object.keys(properties).length > 0) ctx.update({ properties });
  }
}
