/**
 * Deleting an image's objects, and sweeping segments that interrupted writes left behind.
 *
 * Delete, as glance_store: an SLO goes with `?multipart-manifest=delete`; a DLO loses the
 * manifest and every object of its `X-Object-Manifest` prefix; a plain object is deleted. Unlike
 * glance_store the DLO manifest goes first: an interrupted delete then leaves invisible segments
 * (swept later when they are glance-ts's own), never a readable image with segments missing.
 *
 * Sweep: glance-ts segments (`<image id>-<write id>-NNNNN`) that no manifest points at are
 * leftovers of a write that never committed. A group is removed when its writer is certainly
 * gone (this host, and its process no longer exists or is this one without an active write) or
 * when nothing was added to it for `staleAfterMs`; a live upload elsewhere is never touched.
 */
import { StoreError } from '../errors.js';
import type { SwiftAuth } from './swift-auth.js';
import { header, statusError, type SwiftHttp } from './swift-http.js';
import { WRITER_HEADER, parseSegmentName } from './swift-segments.js';
import { processAlive } from '../process-alive.js';

/** The object of an image and the identity that may touch it. */
export interface SwiftTarget {
  auth: SwiftAuth;
  container: string;
  object: string;
}

/** Deletes the image object at `t` with its segments; `not_found` when it does not exist. */
export async function deleteSwiftObject(http: SwiftHttp, t: SwiftTarget): Promise<void> {
  const { auth, container, object } = t;
  const store = http.opts.store;
  const what = `Deleting ${container}/${object}`;
  const head = await http.call(auth, { method: 'HEAD', container, object }, what);
  await head.body.dump().catch(() => undefined);
  if (head.statusCode === 404) throw new StoreError(store, 'not_found', 'Swift could not find image at URI.');
  if (head.statusCode >= 300) throw statusError(store, head.statusCode, what);
  const slo = (header(head, 'x-static-large-object') ?? '').toLowerCase() === 'true';
  const manifest = header(head, 'x-object-manifest');
  const res = await http.call(auth, { method: 'DELETE', container, object, ...(slo ? { query: { 'multipart-manifest': 'delete' } } : {}) }, what);
  await res.body.dump().catch(() => undefined);
  if (res.statusCode === 404) throw new StoreError(store, 'not_found', 'Swift could not find image at URI.');
  if (res.statusCode >= 300) throw statusError(store, res.statusCode, what);
  if (slo || !manifest) return;
  const slash = manifest.indexOf('/');
  const segContainer = unquote(manifest.slice(0, slash));
  const prefix = unquote(manifest.slice(slash + 1));
  // An empty prefix would name the whole container: never delete on that.
  if (slash <= 0 || prefix === '') return;
  for await (const seg of http.list(auth, segContainer, prefix)) {
    if (segContainer === container && seg.name === object) continue;
    // Best effort, as glance_store: the image is already gone with its manifest.
    await deleteIfPresent(http, auth, segContainer, seg.name).catch(() => undefined);
  }
}

/** Options of `sweepSegments`. */
export interface SweepOptions {
  /** `<container>/<prefix>` of writes in progress in this process. */
  active: ReadonlySet<string>;
  /** This process's writer tag (`<host> <pid>`). */
  writer: string;
  staleAfterMs: number;
  now?: number;
}

/** Sweeps `containers` (see the module comment); returns one image id per removed write. */
export async function sweepSegments(http: SwiftHttp, auth: SwiftAuth, containers: readonly string[], opts: SweepOptions): Promise<string[]> {
  const removed: string[] = [];
  const now = opts.now ?? Date.now();
  for (const container of containers) {
    const groups = new Map<string, { imageId: string; names: string[]; newest: number }>();
    for await (const obj of http.list(auth, container)) {
      const seg = parseSegmentName(obj.name);
      if (!seg) continue;
      const g = groups.get(seg.prefix) ?? { imageId: seg.imageId, names: [], newest: 0 };
      g.names.push(obj.name);
      g.newest = Math.max(g.newest, Date.parse(`${obj.last_modified}Z`) || 0);
      groups.set(seg.prefix, g);
    }
    for (const [prefix, g] of groups) {
      if (opts.active.has(`${container}/${prefix}`)) continue;
      if (await committed(http, auth, container, g.imageId, prefix)) continue;
      const idle = now - g.newest > opts.staleAfterMs;
      if (!idle && !(await writerGone(http, auth, container, g.names[0]!, opts.writer))) continue;
      for (const name of g.names) await deleteIfPresent(http, auth, container, name);
      removed.push(g.imageId);
    }
  }
  return removed;
}

// True when the manifest `<imageId>` covers segments named `prefix…`.
async function committed(http: SwiftHttp, auth: SwiftAuth, container: string, imageId: string, prefix: string): Promise<boolean> {
  const res = await http.call(auth, { method: 'HEAD', container, object: imageId }, `Checking ${container}/${imageId}`);
  await res.body.dump().catch(() => undefined);
  if (res.statusCode === 404) return false;
  if (res.statusCode >= 300) throw statusError(http.opts.store, res.statusCode, `Checking ${container}/${imageId}`);
  const manifest = header(res, 'x-object-manifest');
  if (!manifest) return false;
  const slash = manifest.indexOf('/');
  return unquote(manifest.slice(0, slash)) === container && prefix.startsWith(unquote(manifest.slice(slash + 1)));
}

async function writerGone(http: SwiftHttp, auth: SwiftAuth, container: string, name: string, me: string): Promise<boolean> {
  const res = await http.call(auth, { method: 'HEAD', container, object: name }, `Checking ${container}/${name}`);
  await res.body.dump().catch(() => undefined);
  const [host, pid] = (header(res, WRITER_HEADER) ?? '').split(' ');
  if (!host || !pid || host !== me.split(' ')[0]) return false;
  return `${host} ${pid}` === me || !processAlive(Number(pid));
}

async function deleteIfPresent(http: SwiftHttp, auth: SwiftAuth, container: string, name: string): Promise<void> {
  const res = await http.call(auth, { method: 'DELETE', container, object: name }, `Deleting ${container}/${name}`);
  await res.body.dump().catch(() => undefined);
  if (res.statusCode >= 300 && res.statusCode !== 404) throw statusError(http.opts.store, res.statusCode, `Deleting ${container}/${name}`);
}

function unquote(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
