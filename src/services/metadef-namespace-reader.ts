/**
 * The read side of metadef namespaces: `GET /v2/metadefs/namespaces` (visibility, resource-type
 * filters, sorting and marker paging; each namespace passes `get_metadef_namespace`) and
 * `GET /v2/metadefs/namespaces/{ns}` with its associations, properties, objects and tags, the
 * property names prefixed for one resource type when `resource_type` is given.
 */
import type { RequestContext } from '../auth/request-context.js';
import { NAMESPACE_SORT_KEYS, type NamespaceListQuery } from '../db/repos/metadef-namespace-repo.js';
import { BadRequest } from '../domain/errors.js';
import { propertyTypes, type PropertyDefinition } from '../domain/metadef.js';
import { associationView, namespaceView, objectView } from '../domain/metadef-view.js';
import { quotePlus } from './list-query-links.js';
import {
  checkVisibilityFilter, couldNotFindNamespace, loadNamespace, parseLimit, parseSortDir, viewerOf, type MetadefDeps,
} from './metadef-access.js';

/** One page of namespaces, rendered, with its links. */
export interface NamespacePage {
  namespaces: Record<string, unknown>[];
  first: string;
  next?: string;
}

// The page links as Glance's serializer writes them: the query re-encoded, marker dropped/added.
function links(params: [string, string][], nextMarker: string | null): Pick<NamespacePage, 'first' | 'next'> {
  const entries = new Map<string, string>();
  for (const [k, v] of params) entries.set(k, v);
  entries.delete('marker');
  const encode = () => [...entries].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
  const base = '/v2/metadefs/namespaces';
  const query = encode();
  const out: Pick<NamespacePage, 'first' | 'next'> = { first: query === '' ? base : `${base}?${query}` };
  if (nextMarker !== null) {
    entries.set('marker', nextMarker);
    out.next = `${base}?${encode()}`;
  }
  return out;
}

/** The namespace read use cases. */
export class MetadefNamespaceReader {
  constructor(private readonly deps: MetadefDeps) {}

  /** `GET /v2/metadefs/namespaces` with the query's parameters, in order. */
  async list(ctx: RequestContext, params: [string, string][]): Promise<NamespacePage> {
    const get = (key: string) => params.find(([k]) => k === key)?.[1] ?? null;
    const limit = parseLimit(get('limit'), this.deps.paging);
    const sortDir = parseSortDir(get('sort_dir'));
    const sortKey = get('sort_key') ?? 'created_at';
    if (!(NAMESPACE_SORT_KEYS as readonly string[]).includes(sortKey)) throw new BadRequest(`Sort key supplied is invalid: ${sortKey}`);
    const visibility = get('visibility');
    checkVisibilityFilter(visibility, ['public', 'private']);
    const resourceTypes = get('resource_types');

    this.deps.policy.metadef(ctx, 'get_metadef_namespaces');
    this.deps.policy.metadef(ctx, 'list_metadef_resource_types');
    const markerName = get('marker');
    const query: NamespaceListQuery = {
      viewer: viewerOf(ctx), sortKey: sortKey as NamespaceListQuery['sortKey'], sortDir, limit,
    };
    if (markerName !== null && markerName !== '') query.marker = await loadNamespace(this.deps, ctx, markerName, couldNotFindNamespace);
    if (visibility !== null) query.visibility = visibility;
    if (resourceTypes !== null) query.resourceTypes = resourceTypes.split(',');

    const found = await this.deps.namespaces.list(query);
    const shown = found.filter((ns) => this.deps.policy.canMetadef(ctx, 'get_metadef_namespace', ns));
    const associations = await this.deps.types.listForMany(shown.map((ns) => ns.id));
    const namespaces = shown.map((ns) => {
      const rtas = associations.get(ns.id);
      return namespaceView(ns, rtas === undefined ? {} : { resource_type_associations: rtas.map(associationView) });
    });
    const full = shown.length !== 0 && shown.length === limit;
    return { namespaces, ...links(params, full ? shown[shown.length - 1]!.namespace : null) };
  }

  /** `GET /v2/metadefs/namespaces/{ns}[?resource_type=…]`. */
  async show(ctx: RequestContext, name: string, params: URLSearchParams): Promise<Record<string, unknown>> {
    checkVisibilityFilter(params.get('visibility'), ['public', 'private']);
    const ns = await loadNamespace(this.deps, ctx, name, couldNotFindNamespace);
    const { policy } = this.deps;
    policy.metadef(ctx, 'get_metadef_namespace', ns);
    for (const rule of ['list_metadef_resource_types', 'get_metadef_objects', 'get_metadef_properties', 'get_metadef_tags']) {
      policy.metadef(ctx, rule, ns);
    }
    const [objects, associations, properties, tags] = await Promise.all([
      this.deps.objects.list(ns.id), this.deps.types.listFor(ns.id), this.deps.properties.list(ns.id), this.deps.tags.list(ns.id),
    ]);
    const resourceType = params.get('resource_type');
    const prefix = resourceType ? associations.find((a) => a.name === resourceType)?.prefix ?? null : null;
    const withPrefix = (key: string) => (prefix ? `${prefix}${key}` : key);
    const prefixed = (defs: Record<string, PropertyDefinition>) =>
      Object.fromEntries(Object.entries(defs).map(([k, v]) => [withPrefix(k), v]));

    const content: Parameters<typeof namespaceView>[1] = {};
    if (associations.length > 0) content.resource_type_associations = associations.map(associationView);
    if (properties.length > 0) {
      content.properties = propertyTypes(prefixed(Object.fromEntries(properties.map((p) => [p.name, p.schema]))));
    }
    if (objects.length > 0) {
      content.objects = objects.map((o) => objectView(name, {
        ...o,
        properties: prefixed(o.properties),
        required: prefix && o.required.length > 0 ? o.required.map(withPrefix) : o.required,
      }));
    }
    if (tags.length > 0) content.tags = tags.map((t) => ({ name: t.name }));
    return namespaceView(ns, content);
  }
}
