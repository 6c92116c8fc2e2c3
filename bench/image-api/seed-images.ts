/**
 * Creates the benchmark's image catalogue: Glance's schema via `syncSchema`, then N images with
 * extra properties, tags and a location each, inserted straight through SQL in batched
 * transactions (the API would take minutes for 100k). The data is deterministic (seeded PRNG)
 * so runs are comparable.
 */
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/db/database.js';
import { syncSchema } from '../../src/db/migrate.js';

/** The shape of the catalogue and what the filtered scenarios ask for. */
export interface SeededCatalogue {
  images: number;
  /** A sample of live image ids for the show scenario (ids of visible, non-hidden images). */
  sampleIds: string[];
  /** A name shared by about `images / NAME_COUNT` images. */
  sharedName: string;
  /** An extra property and a value shared by about `images / VERSION_COUNT` images. */
  property: { name: string; value: string };
  /** Rows written per table, for the report. */
  rows: { images: number; properties: number; tags: number; locations: number };
}

const NAME_COUNT = 1000;
const VERSION_COUNT = 100;
const OWNERS = 50;
const DISTROS = ['ubuntu', 'debian', 'centos', 'rhel', 'fedora', 'cirros', 'windows', 'sles', 'alpine', 'arch'];
const BUSES = ['virtio', 'scsi', 'ide'];
const TAG_POOL = 40;
const BATCH = 5000;
const SAMPLE = 20_000;

/** mulberry32: a tiny seeded PRNG so every run gets the same catalogue shape. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, chars: number): string {
  let s = '';
  while (s.length < chars) s += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, chars);
}

function uuid(rand: () => number): string {
  const h = hex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** SQLAlchemy's SQLite DATETIME text. */
function sqliteTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

function visibilityOf(r: number): string {
  if (r < 0.6) return 'private';
  if (r < 0.85) return 'public';
  if (r < 0.95) return 'shared';
  return 'community';
}

/** Options of {@link seedImages}. */
export interface SeedOptions {
  /**
   * Also create an index on `images.name`, which Glance's schema lacks: a what-if for the
   * name-filter scenario, never part of the default run.
   */
  nameIndex?: boolean;
}

/**
 * Creates the schema in the SQLite file `path` (which must not hold images yet) and loads
 * `count` images. Names repeat every NAME_COUNT images, `os_version` every VERSION_COUNT; 5 %
 * are community (invisible to the default list), 1 % hidden, 2 % queued without data.
 */
export async function seedImages(path: string, count: number, opts: SeedOptions = {}): Promise<SeededCatalogue> {
  const database = await openDatabase({
    connection: `sqlite:///${path}`, maxPoolSize: 1, maxOverflow: 0, poolTimeout: null,
    connectionRecycleTime: 3600, maxRetries: 0, retryInterval: 1, mysqlSqlMode: '',
  });
  try {
    await syncSchema(database);
  } finally {
    await database.close();
  }

  const rand = prng(20240101);
  const owners = Array.from({ length: OWNERS }, () => hex(rand, 32));
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  // Loading only: the file is thrown away on a crash anyway.
  raw.pragma('synchronous = OFF');
  const insImage = raw.prepare(
    `INSERT INTO images (id, name, size, status, created_at, updated_at, deleted_at, deleted, disk_format,
       container_format, checksum, owner, min_disk, min_ram, protected, virtual_size, visibility, os_hidden,
       os_hash_algo, os_hash_value) VALUES (?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
  );
  const insProp = raw.prepare(
    'INSERT INTO image_properties (image_id, name, value, created_at, updated_at, deleted_at, deleted) VALUES (?, ?, ?, ?, NULL, NULL, 0)',
  );
  const insTag = raw.prepare(
    'INSERT INTO image_tags (image_id, value, created_at, updated_at, deleted_at, deleted) VALUES (?, ?, ?, NULL, NULL, 0)',
  );
  const insLoc = raw.prepare(
    `INSERT INTO image_locations (image_id, value, created_at, updated_at, deleted_at, deleted, meta_data, status)
     VALUES (?, ?, ?, NULL, NULL, 0, ?, 'active')`,
  );
  const rows = { images: 0, properties: 0, tags: 0, locations: 0 };
  const sampleIds: string[] = [];
  // Creation times one minute apart ending now, with jitter, so created_at order ≠ id order.
  const start = Date.now() - count * 60_000;
  const batch = raw.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = uuid(rand);
      const created = sqliteTime(start + i * 60_000 + Math.floor(rand() * 30_000));
      const queued = rand() < 0.02;
      const visibility = visibilityOf(rand());
      const hidden = rand() < 0.01;
      const size = queued ? null : 12_000_000 + Math.floor(rand() * 2_000_000_000);
      insImage.run(
        id, `image-${String(i % NAME_COUNT).padStart(4, '0')}`, size, queued ? 'queued' : 'active', created, created,
        'qcow2', 'bare', queued ? null : hex(rand, 32), owners[Math.floor(rand() * OWNERS)]!,
        Math.floor(rand() * 40), 0, size === null ? null : size * 3, visibility, hidden ? 1 : 0,
        queued ? null : 'sha512', queued ? null : hex(rand, 128),
      );
      rows.images++;
      const props: [string, string][] = [
        ['os_distro', DISTROS[i % DISTROS.length]!],
        ['os_version', `v${String(i % VERSION_COUNT).padStart(2, '0')}`],
        ['hw_disk_bus', BUSES[Math.floor(rand() * BUSES.length)]!],
        ['build_ref', hex(rand, 12)],
      ];
      for (const [name, value] of props) insProp.run(id, name, value, created);
      rows.properties += props.length;
      const tagA = Math.floor(rand() * TAG_POOL);
      const tagB = (tagA + 1 + Math.floor(rand() * (TAG_POOL - 1))) % TAG_POOL;
      insTag.run(id, `tag-${tagA}`, created);
      insTag.run(id, `tag-${tagB}`, created);
      rows.tags += 2;
      if (!queued) {
        insLoc.run(id, `file:///var/lib/glance/images/${id}`, created, '{}');
        rows.locations++;
      }
      if (!hidden && visibility !== 'community' && sampleIds.length < SAMPLE && rand() < Math.max(0.2, SAMPLE / count)) {
        sampleIds.push(id);
      }
    }
  });
  try {
    for (let from = 0; from < count; from += BATCH) batch(from, Math.min(count, from + BATCH));
    if (opts.nameIndex) raw.exec('CREATE INDEX bench_images_name_idx ON images (name)');
    // No ANALYZE: nothing runs it on a deployed glance-ts SQLite file, so the planner works
    // without statistics here too.
    raw.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    raw.close();
  }
  return {
    images: count,
    sampleIds,
    sharedName: 'image-0042',
    property: { name: 'os_version', value: 'v42' },
    rows,
  };
}
