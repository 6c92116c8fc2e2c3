/**
 * Payloads of the `metadef_*` notifications (inventory §11), field for field as Glance's notifier
 * formats them: the resource's fields, the name it had before the change (`*_old`), and
 * `deleted`/`deleted_at` (true and the deletion time on delete events). Times are
 * `YYYY-MM-DDTHH:MM:SSZ`; a missing time is reported as the current one, as Glance's `isotime`
 * does with None.
 */
import { isoTime } from './image-view.js';
import type {
  AssociationFields, MetadefTag, NamespaceFields, ObjectFields, PropertyDefinition,
} from './metadef.js';

type Payload = Record<string, unknown>;

/** Timestamps of the notified resource. */
export interface Times {
  created_at: Date | null;
  updated_at: Date | null;
}

// The property fields every property payload lists.
const NOTIFIED_KEYS = ['type', 'title', 'description', 'default', 'minimum', 'maximum', 'enum', 'pattern', 'minLength',
  'maxLength', 'confidential', 'items', 'uniqueItems', 'minItems', 'maxItems', 'additionalItems'];

const iso = (d: Date | null, now: Date) => isoTime(d ?? now);

/** What a delete event adds: `deleted: true` and the time of deletion. */
export function deletedFields(at: Date): Payload {
  return { deleted: true, deleted_at: isoTime(at) };
}

/** `metadef_namespace.*`: the namespace; `oldName` is its name before an update. */
export function namespacePayload(ns: NamespaceFields & Times, oldName = ns.namespace, now = new Date()): Payload {
  return {
    namespace: ns.namespace,
    namespace_old: oldName,
    display_name: ns.display_name,
    protected: ns.protected,
    visibility: ns.visibility,
    owner: ns.owner,
    description: ns.description,
    created_at: iso(ns.created_at, now),
    updated_at: iso(ns.updated_at, now),
    deleted: false,
    deleted_at: null,
  };
}

// Glance reports each object property with every field, falsy ones as None.
function objectProperty(name: string, def: PropertyDefinition): Payload {
  const out: Payload = { name };
  for (const key of NOTIFIED_KEYS) {
    const v = def[key];
    const empty = v === undefined || v === null || v === false || v === 0 || v === ''
      || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
    out[key] = empty ? null : v;
  }
  return out;
}

/** `metadef_object.*`: the object of namespace `nsName`. */
export function objectPayload(nsName: string, obj: ObjectFields & Times, oldName = obj.name, now = new Date()): Payload {
  return {
    namespace: nsName,
    name: obj.name,
    name_old: oldName,
    properties: Object.entries(obj.properties ?? {}).map(([k, v]) => objectProperty(k, v)),
    required: obj.required,
    description: obj.description,
    created_at: iso(obj.created_at, now),
    updated_at: iso(obj.updated_at, now),
    deleted: false,
    deleted_at: null,
  };
}

/** `metadef_property.*`: property `name` of namespace `nsName` with definition `schema`. */
export function propertyPayload(nsName: string, name: string, schema: PropertyDefinition, oldName = name): Payload {
  const out: Payload = { namespace: nsName, name, name_old: oldName };
  for (const key of NOTIFIED_KEYS) out[key] = schema[key] ?? null;
  return { ...out, deleted: false, deleted_at: null };
}

/** `metadef_resource_type.*`: the association of namespace `nsName`. */
export function resourceTypePayload(nsName: string, a: AssociationFields & Times, now = new Date()): Payload {
  return {
    namespace: nsName,
    name: a.name,
    name_old: a.name,
    prefix: a.prefix,
    properties_target: a.properties_target,
    created_at: iso(a.created_at, now),
    updated_at: iso(a.updated_at, now),
    deleted: false,
    deleted_at: null,
  };
}

/** `metadef_tag.*`: the tag of namespace `nsName`. */
export function tagPayload(nsName: string, tag: Pick<MetadefTag, 'name'> & Times, oldName = tag.name, now = new Date()): Payload {
  return {
    namespace: nsName,
    name: tag.name,
    name_old: oldName,
    created_at: iso(tag.created_at, now),
    updated_at: iso(tag.updated_at, now),
    deleted: false,
    deleted_at: null,
  };
}
