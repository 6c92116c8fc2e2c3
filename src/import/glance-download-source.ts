/**
 * The `glance-download` import method's source: an image of another region's Glance, found
 * through the caller's Keystone catalog (`glance_region`, `glance_service_interface`) and read
 * with the caller's token, as Glance's glance-download flow does. The remote image's metadata
 * gives the properties copied onto the local image (those whose names start with one of
 * `[glance_download_properties] extra_properties`), then its data is streamed like a
 * web-download: through `[import_filtering_opts]`, pinned to the checked address, capped.
 */
import { Readable } from 'node:stream';
import { request } from 'undici';
import { identityV3Base } from '../auth/keystone-session.js';
import type { ImportFilteringConfig } from '../config/slices.js';
import { BadRequest, ServiceUnavailable } from '../domain/errors.js';
import { openWebDownload } from './web-download-source.js';

/** Which remote image to fetch (the import request's `method` fields). */
export interface GlanceDownloadRequest {
  region: string;
  imageId: string;
  /** `public` unless the request names another interface. */
  interface: string;
}

/** What the source needs from configuration. */
export interface GlanceDownloadConfig {
  /** The Identity API to read the caller's catalog from (`[keystone_authtoken] auth_url`), or null without Keystone. */
  keystoneUrl: string | null;
  filtering: ImportFilteringConfig;
  /** `[glance_download_properties] extra_properties`: name prefixes of the properties copied. */
  extraProperties: string[];
}

/** An open remote image: its data and the properties to copy. */
export interface GlanceDownload {
  stream: Readable;
  properties: Record<string, string>;
}

// Remote image metadata is a few KiB; more is not an image record.
const METADATA_LIMIT = 1024 * 1024;

/** Opens the remote image with the caller's `token`. Throws GlanceErrors the task records. */
export async function openGlanceDownload(cfg: GlanceDownloadConfig, req: GlanceDownloadRequest, token: string | null, opts: { signal: AbortSignal; maxBytes: number }): Promise<GlanceDownload> {
  if (cfg.keystoneUrl === null || token === null) {
    throw new BadRequest('glance-download needs Keystone authentication: the remote region is found in the caller\'s catalog');
  }
  const base = await remoteImageEndpoint(cfg.keystoneUrl, req, token);
  const headers = { 'x-auth-token': token };
  const meta = await openWebDownload(`${base}/v2/images/${req.imageId}`, { filtering: cfg.filtering, headers, maxBytes: METADATA_LIMIT, signal: opts.signal });
  const remote = JSON.parse((await collect(meta.stream)).toString('utf8')) as Record<string, unknown>;
  if (remote.status !== 'active') throw new BadRequest(`Remote image ${req.imageId} in region ${req.region} is ${String(remote.status)}, not active`);
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(remote)) {
    if (typeof value === 'string' && cfg.extraProperties.some((prefix) => name.startsWith(prefix))) properties[name] = value;
  }
  const data = await openWebDownload(`${base}/v2/images/${req.imageId}/file`, { filtering: cfg.filtering, headers, maxBytes: opts.maxBytes, signal: opts.signal });
  return { stream: data.stream, properties };
}

// The image service endpoint of `req.region` and `req.interface` in the caller's catalog.
async function remoteImageEndpoint(keystoneUrl: string, req: GlanceDownloadRequest, token: string): Promise<string> {
  let catalog: Array<{ type?: string; endpoints?: Array<{ interface?: string; region_id?: string; region?: string; url?: string }> }>;
  try {
    const res = await request(`${identityV3Base(keystoneUrl)}/auth/catalog`, {
      headers: { 'x-auth-token': token, accept: 'application/json' }, headersTimeout: 30_000, bodyTimeout: 30_000,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new ServiceUnavailable(`Keystone answered HTTP ${res.statusCode} when asked for the catalog`);
    }
    catalog = ((await res.body.json()) as { catalog?: typeof catalog }).catalog ?? [];
  } catch (err) {
    if (err instanceof ServiceUnavailable) throw err;
    throw new ServiceUnavailable(`The catalog could not be read from Keystone: ${(err as Error).message}`, { cause: err });
  }
  for (const svc of catalog) {
    if (svc.type !== 'image') continue;
    const ep = (svc.endpoints ?? []).find((e) => e.interface === req.interface && (e.region_id === req.region || e.region === req.region));
    if (ep?.url) return ep.url.replace(/\/+$/, '');
  }
  throw new BadRequest(`No ${req.interface} image endpoint in region ${req.region} of the caller's catalog`);
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
