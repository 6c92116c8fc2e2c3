/**
 * Builds the metadef use cases over one database, sharing their repositories, validator and
 * collaborators; the composition root calls it once.
 */
import type { Database } from '../db/database.js';
import { MetadefNamespaceRepo } from '../db/repos/metadef-namespace-repo.js';
import { MetadefObjectRepo } from '../db/repos/metadef-object-repo.js';
import { MetadefPropertyRepo } from '../db/repos/metadef-property-repo.js';
import { MetadefResourceTypeRepo } from '../db/repos/metadef-resource-type-repo.js';
import { MetadefTagRepo } from '../db/repos/metadef-tag-repo.js';
import type { Notifier } from '../notify/notifier.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import { MetadefValidator } from '../schemas/metadef-validator.js';
import type { MetadefDeps } from './metadef-access.js';
import { MetadefNamespaceReader } from './metadef-namespace-reader.js';
import { MetadefNamespaceService } from './metadef-namespace-service.js';
import { MetadefObjectService } from './metadef-object-service.js';
import { MetadefPropertyService } from './metadef-property-service.js';
import { MetadefResourceTypeService } from './metadef-resource-type-service.js';
import { MetadefTagService } from './metadef-tag-service.js';

/** Every metadef use case. */
export interface MetadefServices {
  namespaceReader: MetadefNamespaceReader;
  namespaces: MetadefNamespaceService;
  objects: MetadefObjectService;
  properties: MetadefPropertyService;
  tags: MetadefTagService;
  resourceTypes: MetadefResourceTypeService;
}

/** What the metadef use cases are built from. */
export interface MetadefServicesConfig {
  database: Database;
  policy: PolicyChecker;
  notifier: Notifier;
  paging: MetadefDeps['paging'];
}

/** Builds the metadef use cases. */
export function createMetadefServices(cfg: MetadefServicesConfig): MetadefServices {
  const deps: MetadefDeps = {
    namespaces: new MetadefNamespaceRepo(cfg.database),
    objects: new MetadefObjectRepo(cfg.database),
    properties: new MetadefPropertyRepo(cfg.database),
    tags: new MetadefTagRepo(cfg.database),
    types: new MetadefResourceTypeRepo(cfg.database),
    policy: cfg.policy,
    notifier: cfg.notifier,
    validator: new MetadefValidator(),
    paging: cfg.paging,
  };
  return {
    namespaceReader: new MetadefNamespaceReader(deps),
    namespaces: new MetadefNamespaceService(deps),
    objects: new MetadefObjectService(deps),
    properties: new MetadefPropertyService(deps),
    tags: new MetadefTagService(deps),
    resourceTypes: new MetadefResourceTypeService(deps),
  };
}
