/**
 * Metadef tags (`/v2/metadefs/namespaces/{ns}/tags[/{name}]`), in Glance's order for each
 * request: body checks → namespace the caller may see (404 "Namespace … not found") → policy on
 * that namespace → the tag → authorization layer → domain rules → persist → notify. The bulk
 * create replaces the namespace's tags unless `X-Openstack-Append` is true.
 */
import type { RequestContext } from '../auth/request-context.js';
import { TAG_SORT_KEYS, type TagListQuery } from '../db/repos/metadef-tag-repo.js';
import { BadRequest, Forbidden, NotFound } from '../domain/errors.js';
import type { MetadefNamespace, MetadefTag } from '../domain/metadef.js';
import { deletedFields, tagPayload } from '../domain/metadef-notification.js';
import { tagView } from '../domain/metadef-view.js';
import { listOf, tagName } from './metadef-bodies.js';
import {
  assertCreator, assertMutable, assertNoFourByte, cannotDelete, cannotModify, checkVisibilityFilter, loadNamespace,
  namespaceNotFound, parseLimit, parseSortDir, type MetadefDeps,
} from './metadef-access.js';

type Body = Record<string, unknown>;

/** oslo's `bool_from_string` (absent or anything else is false). */
function truthy(header: string | undefined): boolean {
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes((header ?? '').trim().toLowerCase());
}

/** The metadef tag use cases. */
export class MetadefTagService {
  constructor(private readonly deps: MetadefDeps) {}

  /** `POST …/tags/{name}` (201). */
  async create(ctx: RequestContext, nsName: string, name: string): Promise<Body> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.validator.validate('tag', { name });
    this.deps.policy.metadef(ctx, 'add_metadef_tag', ns);
    assertCreator(ctx, 'tag');
    assertNoFourByte("Couldn't create metadata tag: ", { name }, nsName);
    const tag = await this.deps.tags.create(ns.id, ns.namespace, name);
    this.deps.notifier.info('metadef_tag.create', tagPayload(ns.namespace, tag));
    return tagView(tag);
  }

  /** `POST …/tags` `{"tags": [{"name": …}, …]}` (201); `append` is the `X-Openstack-Append` header. */
  async createMany(ctx: RequestContext, nsName: string, raw: unknown, append: string | undefined): Promise<Body> {
    const names = listOf(this.deps.validator.body('tags', raw), 'tags').map(tagName);
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'add_metadef_tags', ns);
    for (const name of names) {
      assertCreator(ctx, 'tag');
      // The column holds 80 characters; the list schema sets no limit, so check each as a tag.
      this.deps.validator.validate('tag', { name });
    }
    assertNoFourByte("Couldn't create metadata tag: ", {}, ...names);
    const created = await this.deps.tags.createMany(ns.id, ns.namespace, names, truthy(append));
    for (const tag of created) this.deps.notifier.info('metadef_tag.create', tagPayload(ns.namespace, tag));
    return { tags: names.map((name) => ({ name })) };
  }

  /** `GET …/tags` with `sort_key`, `sort_dir`, `limit` and `marker` (a tag name). */
  async list(ctx: RequestContext, nsName: string, params: URLSearchParams): Promise<Body> {
    const sortDir = parseSortDir(params.get('sort_dir'));
    const sortKey = params.get('sort_key') ?? 'created_at';
    if (!(TAG_SORT_KEYS as readonly string[]).includes(sortKey)) throw new BadRequest(`Sort key supplied is invalid: ${sortKey}`);
    checkVisibilityFilter(params.get('visibility'), ['public', 'private', 'shared']);
    const rawLimit = params.get('limit');
    const query: TagListQuery = { sortKey: sortKey as TagListQuery['sortKey'], sortDir };
    if (rawLimit) query.limit = parseLimit(rawLimit, this.deps.paging);
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'get_metadef_tags', ns);
    const marker = params.get('marker');
    if (marker) query.marker = await this.find(ns, marker);
    const tags = await this.deps.tags.list(ns.id, query);
    return { tags: tags.map((t) => ({ name: t.name })) };
  }

  /** `GET …/tags/{name}`. */
  async show(ctx: RequestContext, nsName: string, name: string): Promise<Body> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'get_metadef_tag', ns);
    return tagView(await this.find(ns, name));
  }

  /** `PUT …/tags/{name}` `{"name": …}`: renamed; the answer keeps the times read before. */
  async update(ctx: RequestContext, nsName: string, name: string, raw: unknown): Promise<Body> {
    const newName = String(this.deps.validator.body('tag', raw).name);
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'modify_metadef_tag', ns);
    const tag = await this.find(ns, name);
    assertMutable(ctx, ns, cannotModify('name', 'tag'));
    assertNoFourByte("Couldn't update metadata tag: ", { name: newName }, nsName);
    await this.deps.tags.rename(tag.id, ns.namespace, newName);
    const renamed = { ...tag, name: newName };
    this.deps.notifier.info('metadef_tag.update', tagPayload(ns.namespace, renamed, tag.name));
    return tagView(renamed);
  }

  /** `DELETE …/tags/{name}` (403 in a protected namespace). */
  async delete(ctx: RequestContext, nsName: string, name: string): Promise<void> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'delete_metadef_tag', ns);
    const tag = await this.find(ns, name);
    assertMutable(ctx, ns, cannotDelete('tag'));
    if (ns.protected) throw new Forbidden(`Metadata definition tag ${tag.name} is protected and cannot be deleted.`);
    await this.deps.tags.delete(tag.id);
    this.deps.notifier.info('metadef_tag.delete', { ...tagPayload(ns.namespace, tag), ...deletedFields(new Date()) });
  }

  private async find(ns: MetadefNamespace, name: string): Promise<MetadefTag> {
    const tag = await this.deps.tags.get(ns.id, name);
    if (tag === null) throw new NotFound(`Could not find metadata tag ${name}`);
    return tag;
  }
}
