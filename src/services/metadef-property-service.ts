/**
 * Metadef namespace properties (`/v2/metadefs/namespaces/{ns}/properties[/{name}]`), in Glance's
 * order for each request: body checks → namespace the caller may see (404 "Namespace … not
 * found") → policy on that namespace → the property → authorization layer → domain rules →
 * persist → notify. A show with `resource_type` takes a name carrying that type's prefix.
 */
import type { RequestContext } from '../auth/request-context.js';
import { Forbidden, NotFound } from '../domain/errors.js';
import { propertyTypes, type MetadefNamespace, type MetadefProperty } from '../domain/metadef.js';
import { deletedFields, propertyPayload } from '../domain/metadef-notification.js';
import { propertyView } from '../domain/metadef-view.js';
import { propertyDefinition } from './metadef-bodies.js';
import {
  assertCreator, assertMutable, assertNoFourByte, cannotDelete, cannotModify, loadNamespace, namespaceNotFound,
  type MetadefDeps,
} from './metadef-access.js';

type Body = Record<string, unknown>;

/** The metadef property use cases. */
export class MetadefPropertyService {
  constructor(private readonly deps: MetadefDeps) {}

  /** `GET …/properties`: `{"properties": {name: definition}}`. */
  async list(ctx: RequestContext, nsName: string): Promise<Body> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'get_metadef_properties', ns);
    const props = await this.deps.properties.list(ns.id);
    return { properties: propertyTypes(Object.fromEntries(props.map((p) => [p.name, p.schema]))) };
  }

  /** `GET …/properties/{name}[?resource_type=…]`. */
  async show(ctx: RequestContext, nsName: string, name: string, params: URLSearchParams): Promise<Body> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'get_metadef_property', ns);
    let propertyName = name;
    const resourceType = params.get('resource_type');
    if (resourceType) {
      this.deps.policy.metadef(ctx, 'get_metadef_resource_type', ns);
      const types = await this.deps.types.listAll();
      if (!types.some((t) => t.name === resourceType)) {
        throw new NotFound(`The metadata definition resource-type with name=${resourceType}, was not found.`);
      }
      const association = (await this.deps.types.listFor(ns.id)).find((a) => a.name === resourceType);
      if (association === undefined) {
        throw new NotFound(`The metadata definition resource-type association of resource-type=${resourceType} to `
          + `namespace=${ns.namespace}, was not found.`);
      }
      const prefix = association.prefix;
      if (!prefix || !name.startsWith(prefix)) {
        throw new NotFound(`Property ${name} does not start with the expected resource type association prefix of '${prefix ?? 'None'}'.`);
      }
      propertyName = name.slice(prefix.length);
    }
    const prop = await this.find(ns, propertyName);
    return propertyView(prop.name, prop.schema);
  }

  /** `POST …/properties` (201). */
  async create(ctx: RequestContext, nsName: string, raw: unknown): Promise<Body> {
    const def = propertyDefinition(this.deps.validator.body('property', raw));
    const name = String(def.name);
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'add_metadef_property', ns);
    assertCreator(ctx, 'property');
    assertNoFourByte("Couldn't create metadata property: ", { name, json_schema: def }, nsName);
    await this.deps.properties.create(ns.id, ns.namespace, name, def);
    this.deps.notifier.info('metadef_property.create', propertyPayload(ns.namespace, name, def));
    return propertyView(name, def);
  }

  /** `PUT …/properties/{name}`: renamed and redefined. */
  async update(ctx: RequestContext, nsName: string, name: string, raw: unknown): Promise<Body> {
    const def = propertyDefinition(this.deps.validator.body('property', raw));
    const newName = String(def.name);
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'modify_metadef_property', ns);
    const prop = await this.find(ns, name);
    assertMutable(ctx, ns, cannotModify('name', 'namespace_property'));
    assertNoFourByte("Couldn't update metadata property: ", { name: newName, json_schema: def }, nsName);
    await this.deps.properties.update(prop.id, ns.namespace, newName, def);
    this.deps.notifier.info('metadef_property.update', propertyPayload(ns.namespace, newName, def, prop.name));
    return propertyView(newName, def);
  }

  /** `DELETE …/properties/{name}` (403 in a protected namespace). */
  async delete(ctx: RequestContext, nsName: string, name: string): Promise<void> {
    const ns = await loadNamespace(this.deps, ctx, nsName, namespaceNotFound);
    this.deps.policy.metadef(ctx, 'remove_metadef_property', ns);
    const prop = await this.find(ns, name);
    assertMutable(ctx, ns, cannotDelete('property'));
    if (ns.protected) throw new Forbidden(`Metadata definition property ${prop.name} is protected and cannot be deleted.`);
    await this.deps.properties.delete(prop.id);
    this.deps.notifier.info('metadef_property.delete', {
      ...propertyPayload(ns.namespace, prop.name, prop.schema), ...deletedFields(new Date()),
    });
  }

  private async find(ns: MetadefNamespace, name: string): Promise<MetadefProperty> {
    const prop = await this.deps.properties.get(ns.id, name);
    if (prop === null) throw new NotFound(`Could not find property ${name}`);
    return prop;
  }
}
