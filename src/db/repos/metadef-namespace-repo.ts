/**
 * The `metadef_namespaces` table: namespaces by name, the visibility-filtered and paged listing
 * of `GET /v2/metadefs/namespaces`, creation (with the content a create request may carry, in one
 * transaction), update and the cascading delete. Duplicates are refused with Glance's 409 texts;
 * no policy is applied here.
 */
import type { Kysely } from 'kysely';
import { Conflict } from '../../domain/errors.js';
import type {
  AssociationFields, MetadefNamespace, NamespaceFields, NamespaceViewer, ObjectFields, PropertyDefinition,
} from '../../domain/metadef.js';
import type { GlanceTables as Tables } from '../tables.js';
import { codecOf, insertWithId, pageAfter, sortKeys, type MetadefDb, type SortDir } from './metadef-rows.js';
import { MetadefObjectRepo } from './metadef-object-repo.js';
import { MetadefPropertyRepo } from './metadef-property-repo.js';
import { MetadefResourceTypeRepo } from './metadef-resource-type-repo.js';
import { MetadefTagRepo } from './metadef-tag-repo.js';
import { SqlCodec } from './sql-codec.js';

/** The columns a namespace list may be sorted by (any column, as oslo.db allows). */
export const NAMESPACE_SORT_KEYS = [
  'id', 'namespace', 'display_name', 'description', 'visibility', 'protected', 'owner', 'created_at', 'updated_at',
] as const;

/** One page of `GET /v2/metadefs/namespaces`. */
export interface NamespaceListQuery {
  viewer: NamespaceViewer;
  /** Only namespaces of this visibility. */
  visibility?: string;
  /** Only namespaces associated with one of these resource types. */
  resourceTypes?: string[];
  sortKey: (typeof NAMESPACE_SORT_KEYS)[number];
  sortDir: SortDir;
  limit: number;
  /** The last namespace of the previous page. */
  marker?: MetadefNamespace;
}

/** What a create request may put in a new namespace, created in Glance's order. */
export interface NamespaceContent {
  associations: AssociationFields[];
  objects: ObjectFields[];
  tags: string[];
  properties: Record<string, PropertyDefinition>;
}

const COLUMNS = ['id', 'namespace', 'display_name', 'description', 'visibility', 'protected', 'owner', 'created_at', 'updated_at'] as const;

/** Namespace persistence over one database handle. */
export class MetadefNamespaceRepo {
  private readonly codec: SqlCodec;

  constructor(private readonly h: MetadefDb) {
    this.codec = codecOf(h);
  }

  /** The namespace named `name` (whoever may see it), or null. */
  async get(name: string): Promise<MetadefNamespace | null> {
    const row = await this.h.db.selectFrom('metadef_namespaces').select(COLUMNS).where('namespace', '=', name).executeTakeFirst();
    return row ? this.toNamespace(row) : null;
  }

  /** The namespaces of one page, as the viewer may see them. */
  async list(q: NamespaceListQuery): Promise<MetadefNamespace[]> {
    let query = this.h.db.selectFrom('metadef_namespaces').select(COLUMNS);
    if (!q.viewer.isAdmin) {
      const owner = q.viewer.owner;
      query = owner === null
        ? query.where('visibility', '=', 'public')
        : query.where((eb) => eb.or([eb('owner', '=', owner), eb('visibility', '=', 'public')]));
    }
    if (q.visibility !== undefined) query = query.where('visibility', '=', q.visibility);
    if (q.resourceTypes !== undefined) {
      const names = q.resourceTypes;
      query = query.where('id', 'in', (eb) => eb.selectFrom('metadef_namespace_resource_types as a')
        .innerJoin('metadef_resource_types as r', 'r.id', 'a.resource_type_id')
        .select('a.namespace_id').where('r.name', 'in', names));
    }
    const marker = q.marker === undefined ? undefined : { ...q.marker } as Record<string, unknown>;
    const rows = await pageAfter(query, sortKeys(q.sortKey), q.sortDir, marker, this.codec).limit(q.limit).execute();
    return rows.map((r) => this.toNamespace(r));
  }

  /**
   * Creates the namespace and its content in one transaction (nothing is kept when any part is a
   * duplicate: 409 with Glance's text for that part). Returns the stored namespace.
   */
  async create(fields: NamespaceFields, content?: NamespaceContent): Promise<MetadefNamespace> {
    const now = this.codec.now();
    const ts = this.codec.time(now);
    return this.h.db.transaction().execute(async (trx) => {
      let id: number;
      try {
        id = await insertWithId({ db: trx, dialect: this.h.dialect }, 'metadef_namespaces', {
          ...fields, protected: this.codec.bool(fields.protected), created_at: ts, updated_at: ts,
        });
      } catch (err) {
        if (SqlCodec.isUniqueViolation(err)) throw new Conflict(`The metadata definition namespace=${fields.namespace} already exists.`);
        throw err;
      }
      if (content !== undefined) await this.createContent(trx, id, fields.namespace, content);
      return { id, ...fields, created_at: now, updated_at: now };
    });
  }

  /** Replaces the namespace's fields; returns the new `updated_at`. 409 when renamed onto another. */
  async update(id: number, fields: NamespaceFields): Promise<Date> {
    const now = this.codec.now();
    try {
      await this.h.db.updateTable('metadef_namespaces')
        .set({ ...fields, protected: this.codec.bool(fields.protected), updated_at: this.codec.time(now) })
        .where('id', '=', id).execute();
    } catch (err) {
      if (!SqlCodec.isUniqueViolation(err)) throw err;
      throw new Conflict('Invalid update. It would result in a duplicate metadata definition namespace with the same '
        + `name of ${fields.namespace}`);
    }
    return now;
  }

  /** Deletes the namespace with its tags, objects, properties and associations. */
  async delete(id: number): Promise<void> {
    await this.h.db.transaction().execute(async (trx) => {
      for (const table of ['metadef_tags', 'metadef_objects', 'metadef_properties', 'metadef_namespace_resource_types'] as const) {
        await trx.deleteFrom(table).where('namespace_id', '=', id).execute();
      }
      await trx.deleteFrom('metadef_namespaces').where('id', '=', id).execute();
    });
  }

  private async createContent(trx: Kysely<Tables>, id: number, name: string, content: NamespaceContent): Promise<void> {
    const h = { db: trx, dialect: this.h.dialect };
    const types = new MetadefResourceTypeRepo(h);
    for (const a of content.associations) await types.associate(id, name, a);
    const objects = new MetadefObjectRepo(h);
    for (const o of content.objects) await objects.create(id, name, o);
    const tags = new MetadefTagRepo(h);
    for (const t of content.tags) await tags.create(id, name, t);
    const properties = new MetadefPropertyRepo(h);
    for (const [key, def] of Object.entries(content.properties)) await properties.create(id, name, key, def);
  }

  private toNamespace(r: Record<(typeof COLUMNS)[number], unknown>): MetadefNamespace {
    const c = this.codec;
    return {
      id: Number(r.id),
      namespace: String(r.namespace),
      display_name: (r.display_name as string | null) ?? null,
      description: (r.description as string | null) ?? null,
      // Glance's domain object defaults both when the stored value is NULL.
      visibility: (r.visibility as string | null) ?? 'private',
      protected: r.protected === null ? false : c.readBool(r.protected),
      owner: String(r.owner),
      created_at: c.readTimeNN(r.created_at),
      updated_at: c.readTime(r.updated_at),
    };
  }
}
