/**
 * The `location_import` flow (Glance 2024.2's add-location task), run by the task runner after
 * `POST /v2/images/{id}/locations` was accepted (202) and took the image's import lock:
 *
 * 1. the URL is checked again and its size asked of the store ("Invalid location" fails the
 *    task); the location joins the still-queued image, with the size; storage quota re-checked;
 * 2. with `do_secure_hash` (default) and validation data: the image goes `importing`, the data
 *    is read once to compute md5 and the caller's algorithm (up to `http_retries` attempts),
 *    `os_glance_hash_op_host` naming this node meanwhile; a digest that differs from the
 *    caller's fails the task; otherwise the image goes `active`;
 * 3. with `do_secure_hash` and no validation data: the image goes `active` first, then the data
 *    is hashed with `hashing_algorithm`; a hashing failure only leaves the hash unset;
 * 4. without `do_secure_hash`: the caller's values (if any) are recorded and the image goes
 *    `active`, unread;
 * 5. the lock is released. Every save emits `image.update`, as Glance's notifying repository.
 *
 * A failure reverts: an image not yet active goes back to `queued` without the location and
 * hash values; an active one keeps its location and only loses the half-done hash bookkeeping.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { ImageRepo } from '../db/repos/image-repo.js';
import { BadRequest, Conflict, GlanceError, NotFound } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { imageNotification } from '../domain/image-notification.js';
import { transition } from '../domain/image-status.js';
import { IMPORT_LOCK } from '../domain/import-properties.js';
import type { Task } from '../domain/task.js';
import type { Notifier } from '../notify/notifier.js';
import type { LocationAdmission } from '../services/location-admission.js';
import { HASH_OP_HOST } from '../services/location-rules.js';
import type { StoreDriver, StoreLocation } from '../store/driver.js';
import { isStoreError } from '../store/errors.js';
import type { HashDigests } from '../stream/hash-session.js';
import type { HasherPool } from '../stream/hasher-pool.js';
import type { ImportCaller } from './import-flow.js';

/** Options of the flow. */
export interface LocationImportConfig {
  doSecureHash: boolean;
  /** `http_retries`: attempts at reading the data for its hash. */
  httpRetries: number;
  /** `hashing_algorithm`, used when the caller gave no validation data. */
  hashingAlgorithm: string;
  /** This node's `worker_self_reference_url` (else `public_endpoint`), or null. */
  selfUrl: string | null;
}

/** Collaborators of the flow. */
export interface LocationImportDeps {
  images: ImageRepo;
  admission: LocationAdmission;
  hashers: HasherPool;
  notifier: Notifier;
  config: LocationImportConfig;
  log: Pick<Logger, 'info' | 'warn'>;
}

interface LocationInput {
  imageId: string;
  url: string;
  validation: { os_hash_algo: string; os_hash_value: string } | null;
}

/** Runs `location_import` tasks. */
export class LocationImportFlow {
  constructor(private readonly deps: LocationImportDeps) {}

  /** Runs the flow of `task` (see the module comment); resolves with the task result. */
  async run(task: Task, caller: ImportCaller, signal: AbortSignal): Promise<Record<string, unknown>> {
    const input = readInput(task);
    const { admission, config } = this.deps;
    try {
      const { store, location, size } = await admission.admit(input.url, {});
      let image = await this.mutate(input.imageId, task.id, (img) => {
        if (img.status !== 'queued') throw new Conflict(`It's not allowed to add locations if image status is ${img.status}.`);
        return { ...img, locations: [...img.locations, location], size: img.size ?? size };
      });
      await admission.assertStorage(caller.ctx, image.id, image.size ?? size, image.locations.length);
      const source: StoreLocation = { url: location.url, metadata: location.metadata };
      const given = input.validation;
      if (!config.doSecureHash) {
        await this.mutate(image.id, task.id, (img) => ({ ...transition(img, 'active'), ...(given ?? {}) }));
      } else if (given !== null) {
        image = await this.mutate(image.id, task.id, (img) => this.hashing(transition(img, 'importing'), given.os_hash_algo));
        const digests = await this.hash(store, source, given.os_hash_algo, image.id, signal);
        await this.mutate(image.id, task.id, (img) => withDigests(img, digests));
        if (digests.hash !== given.os_hash_value) {
          throw new BadRequest(`os_hash_value: (${given.os_hash_value}) not matched with actual os_hash_value: (${digests.hash})`);
        }
        await this.mutate(image.id, task.id, (img) => transition(img, 'active'));
      } else {
        image = await this.mutate(image.id, task.id, (img) => this.hashing(transition(img, 'active'), config.hashingAlgorithm));
        const digests = await this.hash(store, source, config.hashingAlgorithm, image.id, signal).catch((err: unknown) => {
          // The image is usable already; as in Glance, a hash that cannot be computed is left unset.
          if (signal.aborted) throw err;
          this.deps.log.warn({ err, image_id: image.id }, 'hash calculation of an added location failed');
          return null;
        });
        await this.mutate(image.id, task.id, (img) => (digests === null ? withoutHashing(img) : withDigests(img, digests)));
      }
      await this.deps.images.deletePropertyAtomic(input.imageId, IMPORT_LOCK, task.id);
      return { image_id: input.imageId };
    } catch (err) {
      await this.revert(task, input);
      throw err;
    }
  }

  /**
   * Puts the image back after a failed or interrupted task: not yet active, it returns to
   * `queued` without the location, size and hash values; active, it keeps its location and
   * loses only the unfinished hash bookkeeping. The lock is released. Never throws.
   */
  async revert(task: Task, known?: LocationInput): Promise<void> {
    const { images, log } = this.deps;
    try {
      const input = known ?? readInput(task);
      const image = await images.get(input.imageId);
      if (image !== null && image.properties[IMPORT_LOCK] === task.id) {
        let back: Image;
        if (image.status === 'active') back = withoutHashing(image);
        else {
          // The data is the caller's (an http store's even read-only); only the record goes.
          const kept = { ...image, locations: image.locations.filter((l) => l.url !== input.url) };
          back = image.status === 'importing' ? transition(kept, 'queued') : { ...kept, size: null };
          back = withoutHashing({ ...back, checksum: null, os_hash_algo: null, os_hash_value: null });
        }
        const saved = await images.save(back, { expectedStatus: image.status });
        if (saved !== null) this.deps.notifier.info('image.update', imageNotification(saved, 'image.update'));
      }
      await images.deletePropertyAtomic(input.imageId, IMPORT_LOCK, task.id);
    } catch (err) {
      log.warn({ err, task_id: task.id, image_id: task.image_id }, 'reverting a failed location import did not complete');
    }
  }

  // The image about to be hashed with `algo`, naming this node as the one doing it.
  private hashing(image: Image, algo: string): Image {
    const host = this.deps.config.selfUrl;
    return { ...image, os_hash_algo: algo, properties: host === null ? image.properties : { ...image.properties, [HASH_OP_HOST]: host } };
  }

  // Reads the whole data once through the hasher pool; up to `http_retries` attempts.
  private async hash(store: StoreDriver, source: StoreLocation, algo: string, imageId: string, signal: AbortSignal): Promise<HashDigests> {
    const attempts = Math.max(1, this.deps.config.httpRetries);
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      const session = this.deps.hashers.session({ hashingAlgorithm: algo, signal });
      try {
        await pipeline(await store.read(source), session, new Writable({ write: (_chunk, _enc, cb) => cb() }));
        return await session.digests();
      } catch (err) {
        session.destroy();
        if (signal.aborted || isStoreError(err, 'not_found') || attempt >= attempts) {
          throw new GlanceError('internal', `Hash calculation failed for image ${imageId} data`, { cause: err });
        }
        this.deps.log.warn({ err, image_id: imageId, attempt, attempts }, 'hash calculation of an added location failed; retrying');
      }
    }
  }

  // Reloads, changes and saves the image with a compare-and-set on its status while this task
  // holds the lock; each save is an `image.update`.
  private async mutate(imageId: string, taskId: string, change: (image: Image) => Image): Promise<Image> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const image = await this.deps.images.get(imageId);
      if (image === null) throw new NotFound(`Image ${imageId} was deleted while its location was added`);
      if (image.properties[IMPORT_LOCK] !== taskId) throw new Conflict(`Image ${imageId} is no longer locked by task ${taskId}`);
      const saved = await this.deps.images.save(change(image), { expectedStatus: image.status });
      if (saved !== null) {
        this.deps.notifier.info('image.update', imageNotification(saved, 'image.update'));
        return saved;
      }
    }
    throw new Conflict(`Image ${imageId} kept changing while its location was added`);
  }
}

function withDigests(image: Image, digests: HashDigests): Image {
  return { ...withoutHashing(image), checksum: digests.checksum, os_hash_algo: digests.algo, os_hash_value: digests.hash };
}

// Drops the hashing node's name, and the algorithm when no hash was recorded under it.
function withoutHashing(image: Image): Image {
  const { [HASH_OP_HOST]: _host, ...properties } = image.properties;
  return { ...image, properties, os_hash_algo: image.os_hash_value === null ? null : image.os_hash_algo };
}

function readInput(task: Task): LocationInput {
  const input = task.input ?? {};
  const v = input.validation_data as { os_hash_algo?: unknown; os_hash_value?: unknown } | null | undefined;
  if (typeof input.image_id !== 'string' || typeof input.loc_url !== 'string') {
    throw new GlanceError('internal', `Task ${task.id} has no runnable location input`);
  }
  const validation = v && typeof v.os_hash_algo === 'string' && typeof v.os_hash_value === 'string'
    ? { os_hash_algo: v.os_hash_algo, os_hash_value: v.os_hash_value } : null;
  return { imageId: input.image_id, url: input.loc_url, validation };
}
