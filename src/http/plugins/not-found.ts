/**
 * What happens when no route handles a request, following Glance's router: a path that some
 * route serves, asked with another method, is 405 with `Allow` listing that path's methods (for
 * any method, as Glance's catch-all reject routes have no method condition); an unknown path is
 * 404, or 501 for a method outside GET/HEAD/POST/PUT/DELETE/PATCH. The decision is made in an
 * `onRequest` hook so that no body is read or parsed for a request that has no handler.
 */
import type { FastifyInstance } from 'fastify';
import { GlanceError, MethodNotAllowed, NotFound, NotImplemented } from '../../domain/errors.js';

const IMPLEMENTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);

interface KnownPath {
  pattern: RegExp;
  methods: string[];
}

// fastify path syntax to a whole-path regex: `:param` is one segment, `*` is anything.
function patternOf(url: string): RegExp {
  let re = '';
  for (let i = 0; i < url.length; i++) {
    const ch = url[i]!;
    if (ch === ':' && url[i + 1] !== ':') {
      let j = i + 1;
      while (j < url.length && /[\w-]/.test(url[j]!)) j++;
      re += '[^/]+';
      i = j - 1;
    } else if (ch === ':' ) {
      re += ':'; // `::` is fastify's escaped literal colon
      i++;
    } else if (ch === '*') {
      re += '.*';
    } else {
      re += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Collects the registered routes; `allowedMethods(path)` lists the methods serving a path. */
export class RouteTable {
  private readonly paths = new Map<string, KnownPath>();

  /** Records that `method` is served at the fastify route `url`. */
  add(url: string, method: string): void {
    let known = this.paths.get(url);
    if (!known) {
      known = { pattern: patternOf(url), methods: [] };
      this.paths.set(url, known);
    }
    if (!known.methods.includes(method)) known.methods.push(method);
  }

  /** Methods of every route matching `path` (no query string), in registration order. */
  allowedMethods(path: string): string[] {
    const out: string[] = [];
    for (const known of this.paths.values()) {
      if (!known.pattern.test(path)) continue;
      for (const m of known.methods) if (!out.includes(m)) out.push(m);
    }
    return out;
  }
}

/** The error for an unrouted request: 405 on a known path, else 501 or 404 by method. */
export function unroutedError(table: RouteTable, method: string, url: string): GlanceError {
  const q = url.indexOf('?');
  const allowed = table.allowedMethods(q === -1 ? url : url.slice(0, q));
  if (allowed.length > 0) return new MethodNotAllowed(allowed);
  return IMPLEMENTED_METHODS.has(method) ? new NotFound() : new NotImplemented();
}

/**
 * Registers the route collector (must run before any route is added) and the hooks answering
 * unrouted requests. Returns the table for inspection by tests.
 */
export function notFoundPlugin(app: FastifyInstance): RouteTable {
  const table = new RouteTable();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) table.add(route.url, m.toUpperCase());
  });
  app.addHook('onRequest', async (request) => {
    if (request.is404) throw unroutedError(table, request.method, request.url);
  });
  // Reached only if a hook above is bypassed; same answer.
  app.setNotFoundHandler(async (request) => {
    throw unroutedError(table, request.method, request.url);
  });
  return table;
}
