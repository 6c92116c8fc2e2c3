/**
 * Metadef objects (`/v2/metadefs/namespaces/{ns}/objects[/{name}]`), in Glance's order for each
 * request: body checks → namespace the caller may see (404 "Could not find namespace …") →
 * policy on that namespace → the object → authorization layer → domain rules → persist → notify.
 */
import type { RequestContext } from '../auth/request-context.js';
import { BadRequest, Forbidden, NotFound } from '../domain/errors.js';
import type { MetadefNamespace, MetadefObject, ObjectFields } from '../domain/metadef.js';
import { deletedFields, objectPayload } from '../domain/metadef-notification.js';
import { objectView } from '../domain/metadef-view.js';
import { objectFields } from './metadef-bodies.js';
import {
  assertCreator, assertMutable, assertNoFourByte, cannotDelete, cannotModify, checkVisibilityFilter, couldNotFindNamespace,
  loadNamespace, parseLimit, parseSortDir, type MetadefDeps,
} from './metadef-access.js';

type Body = Record<string, unknown>;

/** The metadef object use cases. */
export class MetadefObjectService {
  constructor(private readonly deps: MetadefDeps) {}

  /** `POST …/objects` (201). */
  async create(ctx: RequestContext, nsName: string, raw: unknown): Promise<Body> {
    const fields = objectFields(this.deps.validator.body('object', raw));
    const ns = await loadNamespace(this.deps, ctx, nsName, couldNotFindNamespace);
    this.deps.policy.metadef(ctx, 'add_metadef_object', ns);
    assertCreator(ctx, 'object');
    assertNoFourByte("Couldn't create metadata object: ", this.columns(fields), nsName);
    const created = await this.deps.objects.create(ns.id, ns.namespace, fields);
    const times = { created_at: created.created_at, updated_at: created.updated_at };
    this.deps.notifier.info('metadef_object.create', objectPayload(ns.namespace, { ...fields, ...times }));
    // The response shows what the request set, as Glance's does (no `[]`/`{}` for absent fields).
    return objectView(ns.namespace, { ...fields, ...times });
  }

  /**
   * `GET …/objects`: every object of the namespace (the paging parameters are checked but, as in
   * Glance, not applied). Each object passes `get_metadef_object`.
   */
  async list(ctx: RequestContext, nsName: string, params: URLSearchParams): Promise<Body> {
    parseSortDir(params.get('sort_dir'));
    checkVisibilityFilter(params.get('visibility'), ['public', 'private', 'shared']);
    const rawLimit = params.get('limit');
    // The objects deserializer also refuses 0.
    if (rawLimit !== null && parseLimit(rawLimit, this.deps.paging) === 0) throw new BadRequest('limit param must be positive');
    const ns = await loadNamespace(this.deps, ctx, nsName, couldNotFindNamespace);
    this.deps.policy.metadef(ctx, 'get_metadef_objects', ns);
    const objects = this.deps.policy.canMetadef(ctx, 'get_metadef_object', ns) ? await this.deps.objects.list(ns.id) : [];
    // Glance's serializer writes this link without its leading slash.
    return { objects: objects.map((o) => objectView(ns.namespace, o)), schema: 'v2/schemas/metadefs/objects' };
  }

  /** `GET …/objects/{name}`. */
  async show(ctx: RequestContext, nsName: string, name: string): Promise<Body> {
    const ns = await loadNamespace(this.deps, ctx, nsName, couldNotFindNamespace);
    this.deps.policy.metadef(ctx, 'get_metadef_object', ns);
    return objectView(ns.namespace, await this.find(ns, name));
  }

  /** `PUT …/objects/{name}`: every field replaced; the answer keeps the times read before. */
  async update(ctx: RequestContext, nsName: string, name: string, raw: unknown): Promise<Body> {
    const fields = objectFields(this.deps.validator.body('object', raw));
    const ns = await loadNamespace(this.deps, ctx, nsName, couldNotFindNamespace);
    this.deps.policy.metadef(ctx, 'modify_metadef_object', ns);
    const obj = await this.find(ns, name);
    assertMutable(ctx, ns, cannotModify('name', 'object'));
    assertNoFourByte("Couldn't update metadata object: ", this.columns(fields), nsName);
    await this.deps.objects.update(obj.id, ns.namespace, fields);
    const times = { created_at: obj.created_at, updated_at: obj.updated_at };
    this.deps.notifier.info('metadef_object.update', objectPayload(ns.namespace, { ...fields, ...times }, obj.name));
    return objectView(ns.namespace, { ...fields, ...times });
  }

  /** `DELETE …/objects/{name}` (403 in a protected namespace). */
  async delete(ctx: RequestContext, nsName: string, name: string): Promise<void> {
    const ns = await loadNamespace(this.deps, ctx, nsName, couldNotFindNamespace);
    this.deps.policy.metadef(ctx, 'delete_metadef_object', ns);
    const obj = await this.find(ns, name);
    assertMutable(ctx, ns, cannotDelete('object'));
    if (ns.protected) throw new Forbidden(`Metadata definition object ${obj.name} is protected and cannot be deleted.`);
    await this.deps.objects.delete(obj.id);
    this.deps.notifier.info('metadef_object.delete', { ...objectPayload(ns.namespace, obj), ...deletedFields(new Date()) });
  }

  private async find(ns: MetadefNamespace, name: string): Promise<MetadefObject> {
    const obj = await this.deps.objects.get(ns.id, name);
    if (obj === null) throw new NotFound(`Could not find metadata object ${name}`);
    return obj;
  }

  // The values Glance's database layer receives (and checks for 4-byte characters).
  private columns(fields: ObjectFields): Record<string, unknown> {
    return { name: fields.name, description: fields.description, json_schema: fields.properties ?? {} };
  }
}
