/**
 * The write side of metadef namespaces, in Glance's order for each request (body checks → load →
 * policy → authorization layer → domain rules → persist → notify): create (with the
 * associations, objects, tags and properties the body carries, all or nothing), update, delete,
 * and the deletion of all objects, properties or tags of a namespace.
 */
import type { RequestContext } from '../auth/request-context.js';
import type { NamespaceContent } from '../db/repos/metadef-namespace-repo.js';
import { BadRequest, Forbidden } from '../domain/errors.js';
import type { MetadefNamespace, NamespaceFields } from '../domain/metadef.js';
import {
  deletedFields, namespacePayload, objectPayload, propertyPayload, resourceTypePayload, tagPayload,
} from '../domain/metadef-notification.js';
import { associationView, namespaceView, type NamespaceContentView } from '../domain/metadef-view.js';
import {
  associationFields, givenObjectView, listOf, objectFields, propertiesOf, tagName,
} from './metadef-bodies.js';
import {
  assertMutable, assertNoFourByte, cannotDelete, cannotModify, loadNamespace, namespaceNotFound, type MetadefDeps,
} from './metadef-access.js';

type Body = Record<string, unknown>;

/** The namespace write use cases. */
export class MetadefNamespaceService {
  constructor(private readonly deps: MetadefDeps) {}

  /** `POST /v2/metadefs/namespaces`: the created namespace as Glance answers it (201). */
  async create(ctx: RequestContext, raw: unknown): Promise<{ name: string; view: Body }> {
    const body = this.deps.validator.body('namespace', raw);
    const { policy } = this.deps;
    const associations = listOf(body, 'resource_type_associations').map(associationFields);
    const objects = listOf(body, 'objects');
    const tags = listOf(body, 'tags').map(tagName);
    const properties = propertiesOf(body);
    policy.metadef(ctx, 'add_metadef_namespace');
    if (associations.length > 0) policy.metadef(ctx, 'add_metadef_resource_type_association');
    if (objects.length > 0) policy.metadef(ctx, 'add_metadef_object');
    if (Object.keys(properties).length > 0) policy.metadef(ctx, 'add_metadef_property');
    if (tags.length > 0) policy.metadef(ctx, 'add_metadef_tag');

    const owner = typeof body.owner === 'string' ? body.owner : ctx.projectId;
    if (!ctx.isAdmin && (owner === null || owner !== ctx.projectId)) {
      throw new Forbidden(`You are not permitted to create namespace owned by '${owner ?? 'None'}'`);
    }
    // An administrator without a project (the unauthenticated pipeline) must name the owner:
    // the column is NOT NULL, where Glance fails with a database error.
    if (owner === null) throw new BadRequest("Couldn't create metadata namespace: an owner is required");
    const fields = this.fields(body, owner);
    const content: NamespaceContent = { associations, objects: objects.map(objectFields), tags, properties };
    const prefix = "Couldn't create metadata namespace: ";
    assertNoFourByte(prefix, { ...fields });
    for (const o of content.objects) assertNoFourByte(prefix, { ...o, properties: o.properties ?? {} });
    for (const [name, def] of Object.entries(properties)) assertNoFourByte(prefix, { name, json_schema: def });
    for (const a of associations) assertNoFourByte(prefix, { ...a });
    assertNoFourByte(prefix, {}, ...tags);

    const ns = await this.deps.namespaces.create(fields, content);
    this.notifyCreated(ns, content);
    const given: NamespaceContentView = {};
    if ('resource_type_associations' in body) given.resource_type_associations = associations.map(associationView);
    if ('properties' in body) given.properties = properties;
    if ('objects' in body) given.objects = content.objects.map((o, i) => givenObjectView(o, objects[i]!));
    if ('tags' in body) given.tags = tags.map((name) => ({ name }));
    return { name: ns.namespace, view: namespaceView(ns, given) };
  }

  /** `PUT /v2/metadefs/namespaces/{ns}`: every base field replaced (absent ones reset to the defaults). */
  async update(ctx: RequestContext, name: string, raw: unknown): Promise<Body> {
    const body = this.deps.validator.body('namespace', raw);
    const ns = await loadNamespace(this.deps, ctx, name, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'modify_metadef_namespace', ns);
    assertMutable(ctx, ns, cannotModify('namespace', 'namespace'));
    const owner = typeof body.owner === 'string' && body.owner !== '' ? body.owner : ctx.projectId ?? ns.owner;
    const fields = this.fields(body, owner);
    assertNoFourByte("Couldn't update metadata namespace: ", { ...fields });
    await this.deps.namespaces.update(ns.id, fields);
    // As in Glance, the response and notification carry the times read before the change.
    const updated: MetadefNamespace = { ...ns, ...fields };
    this.deps.notifier.info('metadef_namespace.update', namespacePayload(updated, ns.namespace));
    return namespaceView(updated);
  }

  /** `DELETE /v2/metadefs/namespaces/{ns}` with everything in it (403 when protected). */
  async delete(ctx: RequestContext, name: string): Promise<void> {
    const ns = await loadNamespace(this.deps, ctx, name, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'delete_metadef_namespace', ns);
    this.assertDeletable(ctx, ns);
    await this.deps.namespaces.delete(ns.id);
    this.deps.notifier.info('metadef_namespace.delete', { ...namespacePayload(ns), ...deletedFields(new Date()) });
  }

  /** `DELETE …/{ns}/objects`, `…/properties` or `…/tags`: all of that kind (403 when protected). */
  async deleteContent(ctx: RequestContext, name: string, kind: 'objects' | 'properties' | 'tags'): Promise<void> {
    const ns = await loadNamespace(this.deps, ctx, name, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'delete_metadef_namespace', ns);
    if (kind === 'tags') this.deps.policy.metadef(ctx, 'delete_metadef_tags', ns);
    this.assertDeletable(ctx, ns);
    await this.deps[kind].deleteAll(ns.id);
    this.deps.notifier.info(`metadef_namespace.delete_${kind}`, namespacePayload(ns));
  }

  // The immutable proxy first, then the domain's protected check, as `namespace.delete()` runs them.
  private assertDeletable(ctx: RequestContext, ns: MetadefNamespace): void {
    assertMutable(ctx, ns, cannotDelete('namespace'));
    if (ns.protected) throw new Forbidden(`Metadata definition namespace ${ns.namespace} is protected and cannot be deleted.`);
  }

  private fields(body: Body, owner: string): NamespaceFields {
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      namespace: String(body.namespace),
      display_name: text(body.display_name),
      description: text(body.description),
      visibility: text(body.visibility) || 'private',
      protected: body.protected === true,
      owner,
    };
  }

  private notifyCreated(ns: MetadefNamespace, content: NamespaceContent): void {
    const { notifier } = this.deps;
    const times = { created_at: ns.created_at, updated_at: ns.updated_at };
    notifier.info('metadef_namespace.create', namespacePayload(ns));
    for (const a of content.associations) notifier.info('metadef_resource_type.create', resourceTypePayload(ns.namespace, { ...a, ...times }));
    for (const o of content.objects) notifier.info('metadef_object.create', objectPayload(ns.namespace, { ...o, ...times }));
    for (const t of content.tags) notifier.info('metadef_tag.create', tagPayload(ns.namespace, { name: t, ...times }));
    for (const [key, def] of Object.entries(content.properties)) {
      notifier.info('metadef_property.create', propertyPayload(ns.namespace, key, def));
    }
  }
}
