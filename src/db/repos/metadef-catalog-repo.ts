/**
 * The whole metadef catalogue at once, for `glance-manage db load_metadefs`, `unload_metadefs`
 * and `export_metadefs`: one namespace document (the JSON file format Glance ships in
 * `etc/metadefs/`) loaded with Glance's merge rules, every table emptied, or every namespace read
 * back as a document. Rows are written as Glance's loader writes them (`created_at` set,
 * `updated_at` only on a `prefer_new` update, new resource types protected).
 */
import type { Kysely } from 'kysely';
import type { PropertyDefinition } from '../../domain/metadef.js';
import type { GlanceTables as Tables } from '../tables.js';
import { codecOf, insertWithId, readJsonObject, readRequired, writeRequired, type MetadefDb } from './metadef-rows.js';

/** One namespace file. Only `namespace` is required; `owner` defaults to `admin`. */
export interface MetadefDocument {
  namespace: string;
  display_name?: string | null;
  description?: string | null;
  visibility?: string | null;
  protected?: boolean | null;
  owner?: string;
  resource_type_associations?: { name: string; prefix?: string | null; properties_target?: string | null }[];
  properties?: Record<string, PropertyDefinition>;
  objects?: { name: string; description?: string | null; required?: string[]; properties?: Record<string, PropertyDefinition> }[];
  tags?: { name: string }[];
}

/** How a document meets an existing namespace of the same name. */
export interface LoadMode {
  /** Add what the database lacks to an existing namespace (otherwise it is skipped). */
  merge: boolean;
  /** With merge: also overwrite what exists with the file's values. */
  preferNew: boolean;
  /** With merge: delete the existing namespace and load the file afresh. */
  overwrite: boolean;
}

/** The order in which `unload` empties the tables (children before parents). */
export const METADEF_TABLES = [
  'metadef_properties', 'metadef_objects', 'metadef_tags', 'metadef_namespace_resource_types', 'metadef_namespaces',
  'metadef_resource_types',
] as const;

type Child = 'metadef_properties' | 'metadef_objects' | 'metadef_tags';

/** Catalogue-wide operations over one database. */
export class MetadefCatalogRepo {
  constructor(private readonly h: MetadefDb) {}

  /**
   * Loads `doc` in one transaction. Returns `overwritten` when an existing namespace was replaced,
   * `skipped` when it exists and `mode.merge` is off, else `loaded`.
   */
  async load(doc: MetadefDocument, mode: LoadMode): Promise<'loaded' | 'overwritten' | 'skipped'> {
    return this.h.db.transaction().execute(async (trx) => {
      const h = { db: trx, dialect: this.h.dialect };
      const c = codecOf(h);
      const now = c.time(c.now());
      const values = {
        namespace: doc.namespace, display_name: doc.display_name ?? null, description: doc.description ?? null,
        visibility: doc.visibility ?? null, protected: doc.protected == null ? null : c.bool(doc.protected), owner: doc.owner ?? 'admin',
      };
      let nsId = await idOf(trx, 'metadef_namespaces', 'namespace', doc.namespace);
      const overwritten = nsId !== null && mode.overwrite;
      if (nsId !== null && mode.overwrite) {
        for (const table of METADEF_TABLES.slice(0, 4)) await trx.deleteFrom(table).where('namespace_id', '=', nsId).execute();
        await trx.deleteFrom('metadef_namespaces').where('id', '=', nsId).execute();
        nsId = null;
      }
      const fresh = nsId === null;
      if (nsId === null) nsId = await insertWithId(h, 'metadef_namespaces', { ...values, created_at: now });
      else if (!mode.merge) return 'skipped';
      else if (mode.preferNew) await trx.updateTable('metadef_namespaces').set({ ...values, updated_at: now }).where('id', '=', nsId).execute();
      // On a fresh namespace nothing exists yet, so `prefer_new` only matters when merging.
      const update = !fresh && mode.preferNew;

      for (const a of doc.resource_type_associations ?? []) {
        let typeId = await idOf(trx, 'metadef_resource_types', 'name', a.name);
        if (typeId === null) typeId = await insertWithId(h, 'metadef_resource_types', { name: a.name, protected: c.bool(true), created_at: now });
        else if (update) await trx.updateTable('metadef_resource_types').set({ updated_at: now }).where('id', '=', typeId).execute();
        const assoc = { prefix: a.prefix ?? null, properties_target: a.properties_target ?? null };
        const found = await trx.selectFrom('metadef_namespace_resource_types').select('namespace_id')
          .where('namespace_id', '=', nsId).where('resource_type_id', '=', typeId).executeTakeFirst();
        if (found === undefined) {
          await trx.insertInto('metadef_namespace_resource_types').values({ namespace_id: nsId, resource_type_id: typeId, ...assoc, created_at: now }).execute();
        } else if (update) {
          await trx.updateTable('metadef_namespace_resource_types').set({ ...assoc, updated_at: now })
            .where('namespace_id', '=', nsId).where('resource_type_id', '=', typeId).execute();
        }
      }
      const put = async (table: Child, name: string, row: Record<string, unknown>) => {
        const id = await childId(trx, table, nsId, name);
        if (id === null) await insertWithId(h, table, { namespace_id: nsId, name, ...row, created_at: now });
        else if (update) await trx.updateTable(table).set({ name, ...row, updated_at: now } as never).where('id', '=', id).execute();
      };
      for (const [name, schema] of Object.entries(doc.properties ?? {})) await put('metadef_properties', name, { json_schema: JSON.stringify(schema) });
      for (const o of doc.objects ?? []) {
        await put('metadef_objects', o.name, {
          description: o.description ?? null, required: writeRequired(o.required ?? null), json_schema: JSON.stringify(o.properties ?? {}),
        });
      }
      for (const t of doc.tags ?? []) await put('metadef_tags', t.name, {});
      return overwritten ? 'overwritten' : 'loaded';
    });
  }

  /** Empties every metadef table, in {@link METADEF_TABLES} order. */
  async unload(): Promise<void> {
    await this.h.db.transaction().execute(async (trx) => {
      for (const table of METADEF_TABLES) await trx.deleteFrom(table).execute();
    });
  }

  /** Every namespace as a document (Glance's export: no owner), oldest first. */
  async exportAll(): Promise<MetadefDocument[]> {
    const db = this.h.db;
    const c = codecOf(this.h);
    const namespaces = await db.selectFrom('metadef_namespaces').selectAll().orderBy('id').execute();
    const docs: MetadefDocument[] = [];
    for (const ns of namespaces) {
      const [assocs, props, objects, tags] = await Promise.all([
        db.selectFrom('metadef_namespace_resource_types as a').innerJoin('metadef_resource_types as r', 'r.id', 'a.resource_type_id')
          .select(['r.name', 'a.prefix', 'a.properties_target']).where('a.namespace_id', '=', ns.id).orderBy('a.created_at').orderBy('r.id').execute(),
        db.selectFrom('metadef_properties').select(['name', 'json_schema']).where('namespace_id', '=', ns.id).orderBy('id').execute(),
        db.selectFrom('metadef_objects').select(['name', 'description', 'required', 'json_schema']).where('namespace_id', '=', ns.id).orderBy('id').execute(),
        db.selectFrom('metadef_tags').select('name').where('namespace_id', '=', ns.id).orderBy('id').execute(),
      ]);
      docs.push({
        namespace: ns.namespace,
        display_name: ns.display_name,
        description: ns.description,
        visibility: ns.visibility,
        protected: ns.protected === null ? null : c.readBool(ns.protected),
        resource_type_associations: assocs.map((a) => ({ name: a.name, prefix: a.prefix, properties_target: a.properties_target })),
        properties: Object.fromEntries(props.map((p) => [p.name, readJsonObject(p.json_schema)])),
        objects: objects.map((o) => {
          const required = readRequired(o.required);
          return { name: o.name, description: o.description, ...(required.length > 0 ? { required } : {}), properties: readJsonObject(o.json_schema) as Record<string, PropertyDefinition> };
        }),
        tags: tags.map((t) => ({ name: t.name })),
      });
    }
    return docs;
  }
}

async function idOf(db: Kysely<Tables>, table: 'metadef_namespaces' | 'metadef_resource_types', column: 'namespace' | 'name', value: string): Promise<number | null> {
  const row = await (db as unknown as Kysely<Record<string, Record<string, unknown>>>).selectFrom(table).select('id')
    .where(column, '=', value).executeTakeFirst();
  return row ? Number(row.id) : null;
}

async function childId(db: Kysely<Tables>, table: Child, nsId: number, name: string): Promise<number | null> {
  const row = await db.selectFrom(table).select('id').where('namespace_id', '=', nsId).where('name', '=', name).executeTakeFirst();
  return row ? Number(row.id) : null;
}
