/**
 * `no_op`: the plugin Glance ships to show that the plugin chain runs. It only logs.
 */
import type { ImportPlugin, ImportPluginContext } from './import-plugin.js';

/** Logs that it ran for the image; never fails and changes nothing. */
export class NoOpPlugin implements ImportPlugin {
  readonly name = 'no_op';

  async run(ctx: ImportPluginContext): Promise<void> {
    ctx.log.info({ image_id: ctx.image.id, plugin: this.name }, 'no_op import plugin ran');
  }
}
