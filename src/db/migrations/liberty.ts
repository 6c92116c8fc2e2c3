/** `liberty`: the base revision; creates every table of the Liberty schema. */
import { createTable } from './ddl.js';
import { libertyArtifactTables } from './liberty-artifacts.js';
import { libertyImages, libertyImageTables, libertyMetadefTables, libertyTaskTables } from './liberty-tables.js';
import type { Revision } from './revision.js';

/** Revision `liberty` ("liberty initial"). */
export const liberty: Revision = {
  id: 'liberty',
  down: null,
  dependsOn: null,
  branch: null,
  doc: 'liberty initial',
  async upgrade(ctx) {
    // Same order as Glance: images, tasks, metadefs, artifacts (MySQL numbers FKs and CHECKs by it).
    for (const spec of [libertyImages, ...libertyImageTables, ...libertyTaskTables, ...libertyMetadefTables, ...libertyArtifactTables]) {
      await createTable(ctx, spec);
    }
  },
};
