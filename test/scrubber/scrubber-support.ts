/**
 * Helpers for the delayed-delete tests: a scrubber working on a running data API's database and
 * store directories (its own store registry over the same directories, as a glance-scrubber
 * process would have), raw reads of image and location rows, and an uploaded image.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import { storeSlice } from '../../src/config/slices.js';
import type { Database } from '../../src/db/database.js';
import { ImageRepo } from '../../src/db/repos/image-repo.js';
import { PendingDeleteRepo } from '../../src/db/repos/pending-delete-repo.js';
import { Scrubber } from '../../src/scrubber/scrubber.js';
import { ImageDataRemover } from '../../src/services/image-data-remover.js';
import { StoreRegistry } from '../../src/store/registry.js';
import type { DataApi } from '../data/data-harness.js';

/** A scrubber over `api`'s database and stores, and what it needs released. */
export interface TestScrubber {
  scrubber: Scrubber;
  pending: PendingDeleteRepo;
  close(): Promise<void>;
}

/** Builds a scrubber for `api` with `scrubTime` and an optional clock. */
export async function scrubberFor(api: DataApi, scrubTime: number, now?: () => Date): Promise<TestScrubber> {
  const config = loadConfig({ configFiles: [join(api.dir, 'glance-api.conf')], configDirs: [] });
  const stores = await StoreRegistry.create(storeSlice(config));
  const log = pino({ level: 'silent' });
  const images = new ImageRepo(api.app.database);
  const pending = new PendingDeleteRepo(api.app.database, images);
  const scrubber = new Scrubber({
    images, pending, data: new ImageDataRemover(stores, log), config: { scrubTime, scrubPoolSize: 2 }, log,
    ...(now ? { now } : {}),
  });
  return { scrubber, pending, close: () => stores.close() };
}

/** The stored row of image `id` (deleted or not): status and deleted flag. */
export async function imageRow(database: Database, id: string): Promise<{ status: string; deleted: boolean }> {
  const row = await database.db.selectFrom('images').select(['status', 'deleted']).where('id', '=', id).executeTakeFirstOrThrow();
  return { status: row.status, deleted: Boolean(Number(row.deleted)) };
}

/** Status and deleted flag of every location row of image `id`, in id order. */
export async function locationRows(database: Database, id: string): Promise<Array<{ status: string; deleted: boolean }>> {
  const rows = await database.db.selectFrom('image_locations').select(['status', 'deleted'])
    .where('image_id', '=', id).orderBy('id').execute();
  return rows.map((r) => ({ status: r.status, deleted: Boolean(Number(r.deleted)) }));
}

/** Creates and uploads a raw image as demo; returns its id and data. */
export async function activeImage(api: DataApi, size = 2048): Promise<{ id: string; data: Buffer }> {
  const id = await api.create('demo', { disk_format: 'raw' });
  const data = randomBytes(size);
  const res = await api.upload('demo', id, data);
  assert.equal(res.status, 204, res.text);
  return { id, data };
}
