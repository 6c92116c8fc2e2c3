/**
 * Helpers shared by the image-repository suites: image builders, a query-counting kysely plugin,
 * and the reachability check that lets a dialect's suite be skipped when its server is absent.
 */
import { randomUUID } from 'node:crypto';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Dialect } from '../../src/db/connection-url.js';
import { newImage, type Image } from '../../src/domain/image.js';
import type { ListQuery } from '../../src/domain/image-list-query.js';
import { parseListQuery } from '../../src/services/list-query.js';
import { openScratchDatabase } from './scratch-database.js';

/** A queued image with Glance's defaults, then `over` applied. */
export function makeImage(over: Partial<Image> = {}): Image {
  const now = new Date(Date.UTC(2024, 0, 1, 12, 0, 0));
  return { ...newImage({ id: randomUUID(), now, owner: 'p1' }), ...over };
}

/** A parsed list query with no filters (limit 100, default sort), then `over` applied. */
export function listQuery(over: Partial<ListQuery> = {}): ListQuery {
  return { ...parseListQuery([], { limitParamDefault: 100, apiLimitMax: 1000 }), ...over };
}

/** The list query `GET /v2/images?<params>` parses to (API limits 25/1000). */
export function parsedQuery(params: Array<[string, string]>): ListQuery {
  return parseListQuery(params, { limitParamDefault: 25, apiLimitMax: 1000 });
}

/** Counts every query executed through the kysely instance it is attached to. */
export class QueryCounter implements KyselyPlugin {
  count = 0;
  readonly kinds: string[] = [];

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count += 1;
    this.kinds.push(args.node.kind);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  reset(): void {
    this.count = 0;
    this.kinds.length = 0;
  }
}

/**
 * Undefined when a scratch database of `dialect` can be created, else the reason to skip
 * (server unreachable). Any other failure is thrown: it is a bug, not a missing server.
 * Under CI (`CI` set) nothing is skipped: MariaDB and PostgreSQL run on every machine of this
 * kind, so an unreachable server is a failure to report, not a reason to pass quietly.
 */
export async function skipReason(dialect: Dialect): Promise<string | undefined> {
  try {
    const s = await openScratchDatabase(dialect);
    await s.drop();
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!process.env.CI && (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT')) {
      return `${dialect} server not reachable (${code})`;
    }
    throw err;
  }
}

/** Ids of `images`, for order comparisons. */
export function ids(images: Image[]): string[] {
  return images.map((i) => i.id);
}
