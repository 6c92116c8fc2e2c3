/**
 * Metadata definitions (metadefs, inventory §12): the catalogue of namespaces, their objects,
 * properties, tags and resource-type associations that clients such as Horizon use to offer
 * well-known image, flavor and volume properties. Plain data and the visibility and ownership
 * rules Glance's database and authorization layers apply to it; no I/O.
 */

/** A property definition: the JSON-Schema subset Glance stores for a metadef property. */
export type PropertyDefinition = Record<string, unknown>;

/** A namespace as stored, with Glance's presentation defaults applied (`private`, not protected). */
export interface MetadefNamespace {
  id: number;
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: string;
  protected: boolean;
  owner: string;
  created_at: Date;
  updated_at: Date | null;
}

/** The writable fields of a namespace. */
export type NamespaceFields = Pick<MetadefNamespace, 'namespace' | 'display_name' | 'description' | 'visibility' | 'protected' | 'owner'>;

/** A resource type (`OS::Glance::Image`, …); created on first association. */
export interface ResourceType {
  id: number;
  name: string;
  protected: boolean;
  created_at: Date;
  updated_at: Date | null;
}

/** A namespace's association with a resource type. */
export interface ResourceTypeAssociation {
  name: string;
  prefix: string | null;
  properties_target: string | null;
  created_at: Date;
  updated_at: Date | null;
}

/** The writable fields of an association. */
export type AssociationFields = Pick<ResourceTypeAssociation, 'name' | 'prefix' | 'properties_target'>;

/** An object: a named group of property definitions. */
export interface MetadefObject {
  id: number;
  name: string;
  description: string | null;
  /** Names of the required properties; empty when none are stored. */
  required: string[];
  properties: Record<string, PropertyDefinition>;
  created_at: Date;
  updated_at: Date | null;
}

/** The writable fields of an object; null `required`/`properties` store nothing. */
export interface ObjectFields {
  name: string;
  description: string | null;
  required: string[] | null;
  properties: Record<string, PropertyDefinition> | null;
}

/** A namespace property: its name and stored definition. */
export interface MetadefProperty {
  id: number;
  name: string;
  schema: PropertyDefinition;
  created_at: Date;
  updated_at: Date | null;
}

/** A tag. */
export interface MetadefTag {
  id: number;
  name: string;
  created_at: Date;
  updated_at: Date | null;
}

/** Who asks: Glance's `context.is_admin` and `context.owner` (the caller's project). */
export interface NamespaceViewer {
  isAdmin: boolean;
  owner: string | null;
}

/**
 * Glance's database visibility rule: administrators see every namespace, others the public ones
 * and those their project owns.
 */
export function namespaceVisible(viewer: NamespaceViewer, ns: Pick<MetadefNamespace, 'visibility' | 'owner'>): boolean {
  if (viewer.isAdmin || ns.visibility === 'public') return true;
  return viewer.owner !== null && viewer.owner === ns.owner;
}

/**
 * Glance's authorization layer: only an administrator or the owning project may change or delete
 * a namespace or anything in it, whatever the policy allows.
 */
export function namespaceMutable(viewer: NamespaceViewer, ns: Pick<MetadefNamespace, 'owner'>): boolean {
  return viewer.isAdmin || (viewer.owner !== null && viewer.owner === ns.owner);
}

// The attributes of Glance's PropertyType model, in its declaration (= response) order.
const PROPERTY_KEYS = [
  'name', 'type', 'title', 'description', 'operators', 'default', 'readonly', 'minimum', 'maximum', 'enum',
  'pattern', 'minLength', 'maxLength', 'confidential', 'items', 'uniqueItems', 'minItems', 'maxItems',
  'additionalItems',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A property definition reduced to what Glance's model keeps, in its order: unknown keys are
 * dropped and `items` keeps only `type` and `enum`. With `name`, that name is set first (a
 * property shown on its own); a stored `name` is otherwise kept as it is.
 */
export function propertyType(def: PropertyDefinition, name?: string): PropertyDefinition {
  const out: PropertyDefinition = {};
  for (const key of PROPERTY_KEYS) {
    const value = key === 'name' && name !== undefined ? name : def[key];
    if (value === undefined) continue;
    if (key === 'items' && isObject(value)) {
      const items: Record<string, unknown> = {};
      if (value.type !== undefined) items.type = value.type;
      if (value.enum !== undefined) items.enum = value.enum;
      out.items = items;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** A map of property definitions, each reduced by {@link propertyType}. */
export function propertyTypes(defs: Record<string, PropertyDefinition>): Record<string, PropertyDefinition> {
  const out: Record<string, PropertyDefinition> = {};
  for (const [key, def] of Object.entries(defs)) out[key] = propertyType(isObject(def) ? def : {});
  return out;
}
