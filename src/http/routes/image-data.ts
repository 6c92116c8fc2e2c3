/**
 * Routes of image data: `PUT /v2/images/{id}/file` (upload), `PUT …/stage` (staging for
 * glance-direct import), `GET …/file` (download) and `DELETE /v2/stores/{store_id}/{image_id}`
 * (drop one store's copy). Bodies are never buffered: uploads stream
 * `request.raw` into the pipeline, downloads stream the store's reader into the socket.
 */
import type { IncomingMessage } from 'node:http';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, UnsupportedMediaType } from '../../domain/errors.js';
import type { TransferMetrics } from '../../metrics/glance-metrics.js';
import type { DownloadService } from '../../services/image-download.js';
import type { UploadRequest, UploadService } from '../../services/image-upload.js';
import type { StoreLocationDelete } from '../../services/store-location-delete.js';
import { sendNoContent } from '../no-content.js';
import type { TransferCount } from '../plugins/request-log.js';
import type { RouteRegistrar } from '../server.js';

/** What the data routes need. */
export interface ImageDataRoutesDeps {
  uploads: UploadService;
  downloads: DownloadService;
  storeLocations: StoreLocationDelete;
  /** True when `enabled_backends` is set (then `X-Image-Meta-Store` is honoured). */
  multistore: boolean;
  /** Image bytes and uploads in flight; absent when the metrics endpoint is disabled. */
  metrics?: TransferMetrics;
}

type IdParams = { id: string };

// Glance refuses any other media type before reading a byte (ref 116); checking in onRequest
// keeps the JSON body parser from answering first.
async function requireOctetStream(request: FastifyRequest): Promise<void> {
  const media = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/octet-stream') throw new UnsupportedMediaType();
}

function declaredSize(request: FastifyRequest): number | undefined {
  const explicit = request.headers['x-openstack-image-size'];
  if (typeof explicit === 'string') {
    if (!/^\d+$/.test(explicit.trim())) {
      throw new BadRequest(`Invalid value for x-openstack-image-size header: ${explicit}`);
    }
    return Number(explicit) || undefined;
  }
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) && length > 0 ? length : undefined;
}

// After a failed upload the rest of the body is read and dropped, so the client can finish
// sending and read the error (a client blocked on a full socket never sees it) and the
// connection stays usable; past this many bytes the connection is closed instead.
const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * The request body as a stream the upload pipeline may destroy without destroying the request
 * itself (which would reset the connection before the error response is out). A client that
 * hangs up mid-body still fails the pipeline. `onBytes` sees each chunk as the pipeline reads it.
 */
function detachedBody(raw: IncomingMessage, onBytes: (n: number) => void): Readable {
  const body = new ByteCounter(onBytes);
  raw.pipe(body);
  raw.once('error', (err) => body.destroy(err));
  raw.once('close', () => {
    if (!raw.complete) body.destroy(Object.assign(new Error('The client closed the connection during the upload'), { code: 'ECONNRESET' }));
  });
  return body;
}

/** Discards what is left of a failed upload's body; see DRAIN_LIMIT. */
function drainRest(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return;
  raw.unpipe();
  let dropped = 0;
  const onData = (chunk: Buffer): void => {
    dropped += chunk.length;
    if (dropped <= DRAIN_LIMIT) return;
    raw.off('data', onData);
    raw.pause();
    // Only once the error response is out, or the client would never read it.
    if (reply.raw.writableFinished) raw.socket.destroy();
    else reply.raw.once('finish', () => raw.socket.destroy());
  };
  raw.on('data', onData);
  raw.resume();
}

function uploadRequest(request: FastifyRequest, multistore: boolean, onBytes: (n: number) => void): UploadRequest {
  const store = request.headers['x-image-meta-store'];
  return {
    body: detachedBody(request.raw, onBytes),
    storeId: multistore && typeof store === 'string' && store !== '' ? store : undefined,
    sizeHint: declaredSize(request),
  };
}

/** Counts the bytes passing through: upload bodies, and downloads for `image.send`. */
class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(chunk.length);
    cb(null, chunk);
  }
}

/** Byte accounting of one data request: the completion log's counts, and the metrics'. */
function meter(request: FastifyRequest, metrics: TransferMetrics | undefined): { received(n: number): void; sent(n: number): void } {
  const t: TransferCount = { received: 0, sent: 0 };
  request.transfer = t;
  return {
    received: (n) => { t.received += n; metrics?.uploadBytes(n); },
    sent: (n) => { t.sent += n; metrics?.downloadBytes(n); },
  };
}

/** Runs an upload or stage use case on the request body; answers 204, or drains and rethrows. */
async function receive(
  request: FastifyRequest, reply: FastifyReply, deps: ImageDataRoutesDeps, run: (body: UploadRequest) => Promise<unknown>,
): Promise<FastifyReply> {
  const bytes = meter(request, deps.metrics);
  const ended = deps.metrics?.uploadStarted();
  try {
    await run(uploadRequest(request, deps.multistore, bytes.received));
  } catch (err) {
    drainRest(request, reply);
    throw err;
  } finally {
    ended?.();
  }
  return sendNoContent(reply);
}

/** Registers the data routes. */
export function imageDataRoutes(deps: ImageDataRoutesDeps): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.put<{ Params: IdParams }>('/v2/images/:id/file', { onRequest: requireOctetStream }, (request, reply) =>
      receive(request, reply, deps, (body) => deps.uploads.upload(request.ctx, request.params.id, body)));

    app.put<{ Params: IdParams }>('/v2/images/:id/stage', { onRequest: requireOctetStream }, (request, reply) =>
      receive(request, reply, deps, (body) => deps.uploads.stage(request.ctx, request.params.id, body)));

    app.get<{ Params: IdParams }>('/v2/images/:id/file', async (request, reply: FastifyReply) => {
      const range = request.headers.range;
      const contentRange = request.headers['content-range'];
      const download = await deps.downloads.open(request.ctx, request.params.id, {
        range: typeof range === 'string' ? range : undefined,
        contentRange: typeof contentRange === 'string' ? contentRange : undefined,
      });
      if (download.kind === 'empty') return sendNoContent(reply, { bare: true });
      const { image, range: r, length } = download;
      reply.code(r === null ? 200 : 206).header('content-type', 'application/octet-stream');
      if (image.checksum !== null) reply.header('content-md5', image.checksum);
      reply.header('content-length', String(length));
      if (r !== null) reply.header('content-range', `bytes ${r.start}-${r.end}/${image.size}`);
      const counter = new ByteCounter(meter(request, deps.metrics).sent);
      reply.raw.once('close', () => deps.downloads.sent(request.ctx, download, counter.bytes));
      // pipeline() destroys the store reader too when the client goes away mid-download.
      pipeline(download.stream, counter, () => undefined);
      return reply.send(counter);
    });

    app.delete<{ Params: { storeId: string; imageId: string } }>('/v2/stores/:storeId/:imageId', async (request, reply) => {
      await deps.storeLocations.delete(request.ctx, request.params.storeId, request.params.imageId);
      return sendNoContent(reply);
    });
  };
}
