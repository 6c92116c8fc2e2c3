/**
 * The `metadef_properties` table: the properties of a namespace, each a name and its definition
 * stored as JSON text, with Glance's 409 texts for duplicates.
 */
import { Conflict } from '../../domain/errors.js';
import type { MetadefProperty, PropertyDefinition } from '../../domain/metadef.js';
import { codecOf, insertWithId, readJsonObject, type MetadefDb } from './metadef-rows.js';
import { SqlCodec } from './sql-codec.js';

const COLUMNS = ['id', 'name', 'json_schema', 'created_at', 'updated_at'] as const;

/** Property persistence over one database handle (or transaction). */
export class MetadefPropertyRepo {
  private readonly codec: SqlCodec;

  constructor(private readonly h: MetadefDb) {
    this.codec = codecOf(h);
  }

  /** The properties of namespace `nsId`, in creation order. */
  async list(nsId: number): Promise<MetadefProperty[]> {
    const rows = await this.h.db.selectFrom('metadef_properties').select(COLUMNS).where('namespace_id', '=', nsId).orderBy('id').execute();
    return rows.map((r) => this.toProperty(r));
  }

  /** Property `name` of namespace `nsId`, or null. */
  async get(nsId: number, name: string): Promise<MetadefProperty | null> {
    const row = await this.h.db.selectFrom('metadef_properties').select(COLUMNS)
      .where('namespace_id', '=', nsId).where('name', '=', name).executeTakeFirst();
    return row ? this.toProperty(row) : null;
  }

  /** Adds property `name` with definition `schema`; 409 when the name is taken in the namespace. */
  async create(nsId: number, nsName: string, name: string, schema: PropertyDefinition): Promise<MetadefProperty> {
    const now = this.codec.now();
    const ts = this.codec.time(now);
    try {
      const id = await insertWithId(this.h, 'metadef_properties', {
        namespace_id: nsId, name, json_schema: JSON.stringify(schema), created_at: ts, updated_at: ts,
      });
      return { id, name, schema, created_at: now, updated_at: now };
    } catch (err) {
      if (!SqlCodec.isUniqueViolation(err)) throw err;
      throw new Conflict(`A metadata definition property with name=${name} already exists in namespace=${nsName}.`);
    }
  }

  /** Renames and redefines property `id`; 409 when renamed onto another. */
  async update(id: number, nsName: string, name: string, schema: PropertyDefinition): Promise<void> {
    try {
      await this.h.db.updateTable('metadef_properties')
        .set({ name, json_schema: JSON.stringify(schema), updated_at: this.codec.time(this.codec.now()) })
        .where('id', '=', id).execute();
    } catch (err) {
      if (!SqlCodec.isUniqueViolation(err)) throw err;
      throw new Conflict('Invalid update. It would result in a duplicate metadata definition property with the same '
        + `name=${name} in namespace=${nsName}.`);
    }
  }

  /** Deletes property `id`. */
  async delete(id: number): Promise<void> {
    await this.h.db.deleteFrom('metadef_properties').where('id', '=', id).execute();
  }

  /** Deletes every property of namespace `nsId`. */
  async deleteAll(nsId: number): Promise<void> {
    await this.h.db.deleteFrom('metadef_properties').where('namespace_id', '=', nsId).execute();
  }

  private toProperty(r: Record<(typeof COLUMNS)[number], unknown>): MetadefProperty {
    return {
      id: Number(r.id),
      name: String(r.name),
      schema: readJsonObject(r.json_schema),
      created_at: this.codec.readTimeNN(r.created_at),
      updated_at: this.codec.readTime(r.updated_at),
    };
  }
}
