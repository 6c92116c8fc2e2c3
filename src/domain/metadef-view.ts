/**
 * The JSON shapes of the metadefs API, key for key in Glance's order (its WSME models list their
 * attributes in declaration order, and leave out every attribute that is unset or null; refs 040,
 * 041). Times are `YYYY-MM-DDTHH:MM:SSZ`; `self` and `schema` are relative links.
 */
import { isoTime } from './image-view.js';
import {
  propertyType, propertyTypes, type MetadefNamespace, type MetadefTag,
  type PropertyDefinition, type ResourceType, type ResourceTypeAssociation,
} from './metadef.js';

type Json = Record<string, unknown>;

/** The fields of an object known at the moment it is shown (a create response lacks some). */
export interface ObjectShape {
  name: string;
  description?: string | null;
  required?: string[] | null;
  properties?: Record<string, PropertyDefinition> | null;
  created_at?: Date | null;
  updated_at?: Date | null;
}

/** The embedded collections of a namespace, already shaped; absent ones are left out. */
export interface NamespaceContentView {
  resource_type_associations?: Json[];
  properties?: Record<string, PropertyDefinition>;
  objects?: Json[];
  tags?: Json[];
}

/** The link of a namespace. */
export function namespaceHref(name: string): string {
  return `/v2/metadefs/namespaces/${name}`;
}

// Sets `key` unless the value is null or undefined (WSME's Unset/None both vanish).
function put(out: Json, key: string, value: unknown): void {
  if (value !== null && value !== undefined) out[key] = value;
}

const time = (d: Date | null | undefined) => (d === null || d === undefined ? null : isoTime(d));

/** A namespace (`GET …/namespaces/{ns}`, list entries, create and update responses). */
export function namespaceView(ns: Omit<MetadefNamespace, 'id'>, content: NamespaceContentView = {}): Json {
  const out: Json = {};
  put(out, 'namespace', ns.namespace);
  put(out, 'display_name', ns.display_name);
  put(out, 'description', ns.description);
  put(out, 'visibility', ns.visibility);
  put(out, 'protected', ns.protected);
  put(out, 'owner', ns.owner);
  put(out, 'created_at', time(ns.created_at));
  put(out, 'updated_at', time(ns.updated_at));
  put(out, 'resource_type_associations', content.resource_type_associations);
  put(out, 'properties', content.properties);
  put(out, 'objects', content.objects);
  put(out, 'tags', content.tags);
  out.self = namespaceHref(ns.namespace);
  out.schema = '/v2/schemas/metadefs/namespace';
  return out;
}

/** A resource-type association (`name`, `prefix`, `properties_target`, times). */
export function associationView(a: Partial<ResourceTypeAssociation> & { name: string }): Json {
  const out: Json = {};
  put(out, 'name', a.name);
  put(out, 'prefix', a.prefix);
  put(out, 'properties_target', a.properties_target);
  put(out, 'created_at', time(a.created_at));
  put(out, 'updated_at', time(a.updated_at));
  return out;
}

/** An entry of `GET /v2/metadefs/resource_types`. */
export function resourceTypeView(rt: ResourceType): Json {
  const out: Json = { name: rt.name };
  put(out, 'created_at', time(rt.created_at));
  put(out, 'updated_at', time(rt.updated_at));
  return out;
}

/** An object of namespace `nsName`, with its `self` and `schema` links. */
export function objectView(nsName: string, obj: ObjectShape): Json {
  const out: Json = { name: obj.name };
  put(out, 'required', obj.required);
  put(out, 'description', obj.description);
  put(out, 'properties', obj.properties === null || obj.properties === undefined ? undefined : propertyTypes(obj.properties));
  put(out, 'created_at', time(obj.created_at));
  put(out, 'updated_at', time(obj.updated_at));
  out.self = `${namespaceHref(nsName)}/objects/${obj.name}`;
  out.schema = '/v2/schemas/metadefs/object';
  return out;
}

/** A tag with its times (show, create, update). */
export function tagView(tag: Pick<MetadefTag, 'name'> & Partial<MetadefTag>): Json {
  const out: Json = { name: tag.name };
  put(out, 'created_at', time(tag.created_at));
  put(out, 'updated_at', time(tag.updated_at));
  return out;
}

/** A property shown on its own: its definition with `name` first. */
export function propertyView(name: string, def: PropertyDefinition): Json {
  return propertyType(def, name);
}
