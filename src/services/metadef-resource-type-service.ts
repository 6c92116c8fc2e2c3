/**
 * Resource types and their associations with namespaces (`/v2/metadefs/resource_types`,
 * `/v2/metadefs/namespaces/{ns}/resource_types[/{name}]`), in Glance's order for each request.
 */
import type { RequestContext } from '../auth/request-context.js';
import { Forbidden, NotFound } from '../domain/errors.js';
import { deletedFields, resourceTypePayload } from '../domain/metadef-notification.js';
import { associationView, resourceTypeView } from '../domain/metadef-view.js';
import { associationFields } from './metadef-bodies.js';
import {
  assertCreator, assertMutable, assertNoFourByte, cannotDelete, loadNamespace, namespaceNotFound, type MetadefDeps,
} from './metadef-access.js';

type Body = Record<string, unknown>;

/** The resource-type use cases. */
export class MetadefResourceTypeService {
  constructor(private readonly deps: MetadefDeps) {}

  /** `GET /v2/metadefs/resource_types`: every known type (ref 041). */
  async listAll(ctx: RequestContext): Promise<Body> {
    this.deps.policy.metadef(ctx, 'list_metadef_resource_types');
    const types = await this.deps.types.listAll();
    return { resource_types: types.map(resourceTypeView) };
  }

  /** `GET …/{ns}/resource_types`: the namespace's associations. */
  async listFor(ctx: RequestContext, nsName: string): Promise<Body> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'list_metadef_resource_types', ns);
    const shown = this.deps.policy.canMetadef(ctx, 'get_metadef_resource_type', ns) ? await this.deps.types.listFor(ns.id) : [];
    return { resource_type_associations: shown.map(associationView) };
  }

  /** `POST …/{ns}/resource_types` `{"name", "prefix", "properties_target"}` (201). */
  async associate(ctx: RequestContext, nsName: string, raw: unknown): Promise<Body> {
    const fields = associationFields(this.deps.validator.body('resource_type', raw));
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'add_metadef_resource_type_association', ns);
    assertCreator(ctx, 'resource_type');
    assertNoFourByte('', { ...fields }, nsName);
    const created = await this.deps.types.associate(ns.id, ns.namespace, fields);
    this.deps.notifier.info('metadef_resource_type.create', resourceTypePayload(ns.namespace, created));
    return associationView(created);
  }

  /** `DELETE …/{ns}/resource_types/{name}` (403 in a protected namespace). */
  async dissociate(ctx: RequestContext, nsName: string, name: string): Promise<void> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'remove_metadef_resource_type_association', ns);
    const association = (await this.deps.types.listFor(ns.id)).find((a) => a.name === name);
    if (association === undefined) throw new NotFound(`Failed to find resource type ${name} to delete`);
    assertMutable(ctx, ns, cannotDelete('meta_resource_type'));
    if (ns.protected) {
      throw new Forbidden(`Metadata definition resource-type-association ${name} is protected and cannot be deleted.`);
    }
    if (!await this.deps.types.dissociate(ns.id, name)) throw new NotFound(`Failed to find resource type ${name} to delete`);
    this.deps.notifier.info('metadef_resource_type.delete', {
      ...resourceTypePayload(ns.namespace, association), ...deletedFields(new Date()),
    });
  }
}
