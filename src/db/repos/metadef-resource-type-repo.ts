/**
 * `metadef_resource_types` and `metadef_namespace_resource_types`: the resource types, and the
 * associations of namespaces with them. Associating a namespace with an unknown resource type
 * creates the type (unprotected), as Glance's database layer does.
 */
import { Conflict } from '../../domain/errors.js';
import type { AssociationFields, ResourceType, ResourceTypeAssociation } from '../../domain/metadef.js';
import { codecOf, insertWithId, type MetadefDb } from './metadef-rows.js';
import { SqlCodec } from './sql-codec.js';

/** Resource types and associations over one database handle (or transaction). */
export class MetadefResourceTypeRepo {
  private readonly codec: SqlCodec;

  constructor(private readonly h: MetadefDb) {
    this.codec = codecOf(h);
  }

  /** Every resource type, oldest first. */
  async listAll(): Promise<ResourceType[]> {
    const rows = await this.h.db.selectFrom('metadef_resource_types').selectAll().orderBy('id').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      protected: this.codec.readBool(r.protected),
      created_at: this.codec.readTimeNN(r.created_at),
      updated_at: this.codec.readTime(r.updated_at),
    }));
  }

  /** The associations of namespace `nsId`, oldest first. */
  async listFor(nsId: number): Promise<ResourceTypeAssociation[]> {
    return (await this.listForMany([nsId])).get(nsId) ?? [];
  }

  /** The associations of each of `nsIds` (namespaces without any are absent from the map). */
  async listForMany(nsIds: number[]): Promise<Map<number, ResourceTypeAssociation[]>> {
    const out = new Map<number, ResourceTypeAssociation[]>();
    if (nsIds.length === 0) return out;
    const rows = await this.h.db.selectFrom('metadef_namespace_resource_types as a')
      .innerJoin('metadef_resource_types as r', 'r.id', 'a.resource_type_id')
      .select(['a.namespace_id', 'r.name', 'a.prefix', 'a.properties_target', 'a.created_at', 'a.updated_at'])
      .where('a.namespace_id', 'in', nsIds)
      .orderBy('a.created_at').orderBy('r.id')
      .execute();
    for (const r of rows) {
      const list = out.get(Number(r.namespace_id)) ?? [];
      list.push({
        name: r.name,
        prefix: r.prefix,
        properties_target: r.properties_target,
        created_at: this.codec.readTimeNN(r.created_at),
        updated_at: this.codec.readTime(r.updated_at),
      });
      out.set(Number(r.namespace_id), list);
    }
    return out;
  }

  /**
   * Associates namespace `nsId` (named `nsName` in messages) with resource type `fields.name`,
   * creating the type when it does not exist; 409 when already associated.
   */
  async associate(nsId: number, nsName: string, fields: AssociationFields): Promise<ResourceTypeAssociation> {
    const now = this.codec.now();
    const ts = this.codec.time(now);
    const typeId = await this.typeId(fields.name) ?? await this.createType(fields.name, ts);
    try {
      await this.h.db.insertInto('metadef_namespace_resource_types').values({
        namespace_id: nsId, resource_type_id: typeId, prefix: fields.prefix, properties_target: fields.properties_target,
        created_at: ts, updated_at: ts,
      }).execute();
    } catch (err) {
      if (!SqlCodec.isUniqueViolation(err)) throw err;
      throw new Conflict(`The metadata definition resource-type association of resource-type=${fields.name} to `
        + `namespace=${nsName} already exists.`);
    }
    return { ...fields, created_at: now, updated_at: now };
  }

  /** Removes the association of namespace `nsId` with type `name`; false when there was none. */
  async dissociate(nsId: number, name: string): Promise<boolean> {
    const typeId = await this.typeId(name);
    if (typeId === null) return false;
    const res = await this.h.db.deleteFrom('metadef_namespace_resource_types')
      .where('namespace_id', '=', nsId).where('resource_type_id', '=', typeId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  private async typeId(name: string): Promise<number | null> {
    const row = await this.h.db.selectFrom('metadef_resource_types').select('id').where('name', '=', name).executeTakeFirst();
    return row ? Number(row.id) : null;
  }

  // A concurrent request may create the same type first: its row is then used.
  private async createType(name: string, ts: string): Promise<number> {
    try {
      return await insertWithId(this.h, 'metadef_resource_types', {
        name, protected: this.codec.bool(false), created_at: ts, updated_at: ts,
      });
    } catch (err) {
      const id = SqlCodec.isUniqueViolation(err) ? await this.typeId(name) : null;
      if (id === null) throw err;
      return id;
    }
  }
}
