/** `pike_expand01` (empty) and `pike_contract01` (drops the Glare artifact tables). */
import { artifactDropOrder } from './liberty-artifacts.js';
import { tableExists } from './inspect.js';
import { emptyRevision, type Revision } from './revision.js';

/** Revision `pike_expand01`. */
export const pikeExpand01 = emptyRevision(
  'pike_expand01', 'ocata_expand01', null, 'expand', 'empty expand for symmetry with pike_contract01',
);

/** Revision `pike_contract01`. */
export const pikeContract01: Revision = {
  id: 'pike_contract01',
  down: 'ocata_contract01',
  dependsOn: 'pike_expand01',
  branch: 'contract',
  doc: 'drop glare artifacts tables',
  async upgrade(ctx) {
    for (const table of artifactDropOrder) {
      // A database created by an old pike01 chain may already lack them.
      if (await tableExists(ctx, table)) await ctx.exec(`DROP TABLE ${table}`);
    }
  },
};
