/**
 * The `metadef_objects` table: the objects of a namespace (required names comma-joined, property
 * definitions as JSON text, as Glance stores them), with Glance's 409 texts for duplicates.
 */
import { Conflict } from '../../domain/errors.js';
import type { MetadefObject, ObjectFields } from '../../domain/metadef.js';
import { codecOf, insertWithId, readJsonObject, readRequired, writeRequired, type MetadefDb } from './metadef-rows.js';
import { SqlCodec } from './sql-codec.js';

const COLUMNS = ['id', 'name', 'description', 'required', 'json_schema', 'created_at', 'updated_at'] as const;

/** Object persistence over one database handle (or transaction). */
export class MetadefObjectRepo {
  private readonly codec: SqlCodec;

  constructor(private readonly h: MetadefDb) {
    this.codec = codecOf(h);
  }

  /** The objects of namespace `nsId`, in creation order. */
  async list(nsId: number): Promise<MetadefObject[]> {
    const rows = await this.h.db.selectFrom('metadef_objects').select(COLUMNS).where('namespace_id', '=', nsId).orderBy('id').execute();
    return rows.map((r) => this.toObject(r));
  }

  /** Object `name` of namespace `nsId`, or null. */
  async get(nsId: number, name: string): Promise<MetadefObject | null> {
    const row = await this.h.db.selectFrom('metadef_objects').select(COLUMNS)
      .where('namespace_id', '=', nsId).where('name', '=', name).executeTakeFirst();
    return row ? this.toObject(row) : null;
  }

  /** Adds an object to namespace `nsId` (named `nsName` in messages); 409 when the name is taken. */
  async create(nsId: number, nsName: string, fields: ObjectFields): Promise<MetadefObject> {
    const now = this.codec.now();
    const ts = this.codec.time(now);
    try {
      const id = await insertWithId(this.h, 'metadef_objects', { namespace_id: nsId, ...this.columns(fields), created_at: ts, updated_at: ts });
      return { id, ...this.stored(fields), created_at: now, updated_at: now };
    } catch (err) {
      if (!SqlCodec.isUniqueViolation(err)) throw err;
      throw new Conflict(`A metadata definition object with name=${fields.name} already exists in namespace=${nsName}.`);
    }
  }

  /** Replaces the fields of object `id`; returns the new `updated_at`. 409 when renamed onto another. */
  async update(id: number, nsName: string, fields: ObjectFields): Promise<Date> {
    const now = this.codec.now();
    try {
      await this.h.db.updateTable('metadef_objects').set({ ...this.columns(fields), updated_at: this.codec.time(now) })
        .where('id', '=', id).execute();
    } catch (err) {
      if (!SqlCodec.isUniqueViolation(err)) throw err;
      throw new Conflict('Invalid update. It would result in a duplicate metadata definition object with the same '
        + `name=${fields.name} in namespace=${nsName}.`);
    }
    return now;
  }

  /** Deletes object `id`. */
  async delete(id: number): Promise<void> {
    await this.h.db.deleteFrom('metadef_objects').where('id', '=', id).execute();
  }

  /** Deletes every object of namespace `nsId`. */
  async deleteAll(nsId: number): Promise<void> {
    await this.h.db.deleteFrom('metadef_objects').where('namespace_id', '=', nsId).execute();
  }

  private columns(fields: ObjectFields) {
    return {
      name: fields.name,
      description: fields.description,
      required: writeRequired(fields.required),
      json_schema: JSON.stringify(fields.properties ?? {}),
    };
  }

  // The object as a re-read would return it.
  private stored(fields: ObjectFields): Omit<MetadefObject, 'id' | 'created_at' | 'updated_at'> {
    return { name: fields.name, description: fields.description, required: fields.required ?? [], properties: fields.properties ?? {} };
  }

  private toObject(r: Record<(typeof COLUMNS)[number], unknown>): MetadefObject {
    return {
      id: Number(r.id),
      name: String(r.name),
      description: (r.description as string | null) ?? null,
      required: readRequired(r.required),
      properties: readJsonObject(r.json_schema) as MetadefObject['properties'],
      created_at: this.codec.readTimeNN(r.created_at),
      updated_at: this.codec.readTime(r.updated_at),
    };
  }
}
