/**
 * What every metadef use case shares: its collaborators, loading a namespace the caller may see
 * (404 with the text the calling Glance controller uses), Glance's authorization-layer checks
 * (only an administrator or the owner changes a namespace's content; a creator needs a project),
 * its 4-byte-character guard and the query-parameter checks of the list requests.
 */
import type { RequestContext } from '../auth/request-context.js';
import type { MetadefNamespaceRepo } from '../db/repos/metadef-namespace-repo.js';
import type { MetadefObjectRepo } from '../db/repos/metadef-object-repo.js';
import type { MetadefPropertyRepo } from '../db/repos/metadef-property-repo.js';
import type { MetadefResourceTypeRepo } from '../db/repos/metadef-resource-type-repo.js';
import type { MetadefTagRepo } from '../db/repos/metadef-tag-repo.js';
import { BadRequest, Forbidden, NotFound } from '../domain/errors.js';
import { hasFourByteChar, pythonTitle } from '../domain/four-byte-unicode.js';
import { namespaceMutable, namespaceVisible, type MetadefNamespace, type NamespaceViewer } from '../domain/metadef.js';
import type { Notifier } from '../notify/notifier.js';
import type { PolicyChecker } from '../policy/policy-checker.js';
import type { MetadefValidator } from '../schemas/metadef-validator.js';

/** Collaborators of the metadef use cases, wired in `app-image-api.ts`. */
export interface MetadefDeps {
  namespaces: MetadefNamespaceRepo;
  objects: MetadefObjectRepo;
  properties: MetadefPropertyRepo;
  tags: MetadefTagRepo;
  types: MetadefResourceTypeRepo;
  policy: PolicyChecker;
  notifier: Notifier;
  validator: MetadefValidator;
  /** `limit_param_default` and `api_limit_max`. */
  paging: { limitParamDefault: number; apiLimitMax: number };
}

/** The caller as Glance's metadef database layer sees it. */
export function viewerOf(ctx: RequestContext): NamespaceViewer {
  return { isAdmin: ctx.isAdmin, owner: ctx.projectId };
}

/** The 404 text of the namespaces and objects controllers (Glance's repository message). */
export const couldNotFindNamespace = (name: string) => `Could not find namespace ${name}`;
/** The 404 text of the other controllers. */
export const namespaceNotFound = (name: string) => `Namespace ${name} not found`;

/** Namespace `name` if the caller may see it, else 404 with `notFound(name)`. */
export async function loadNamespace(
  deps: Pick<MetadefDeps, 'namespaces'>, ctx: RequestContext, name: string, notFound: (name: string) => string,
): Promise<MetadefNamespace> {
  const ns = await deps.namespaces.get(name);
  if (ns === null || !namespaceVisible(viewerOf(ctx), ns)) throw new NotFound(notFound(name));
  return ns;
}

/**
 * Glance's immutable proxies: a caller who is neither administrator nor owner may not change
 * anything in the namespace, whatever the policy says (403 with `refusal`, the proxy's text:
 * "You are not permitted to delete this object.", "… to modify 'name' on this tag.", …).
 */
export function assertMutable(ctx: RequestContext, ns: MetadefNamespace, refusal: string): void {
  if (!namespaceMutable(viewerOf(ctx), ns)) throw new Forbidden(refusal);
}

/** The immutable proxies' refusal of a change of `attr` on a `resource`. */
export const cannotModify = (attr: string, resource: string) => `You are not permitted to modify '${attr}' on this ${resource}.`;

/** The immutable proxies' refusal of a deletion. */
export const cannotDelete = (resource: string) => `You are not permitted to delete this ${resource}.`;

/** Glance's factories: a non-administrator creates content only with a project of its own. */
export function assertCreator(ctx: RequestContext, what: 'object' | 'property' | 'resource_type' | 'tag'): void {
  if (ctx.isAdmin || ctx.projectId !== null) return;
  if (what === 'tag') throw new Forbidden('Owner must be specified to create a tag.');
  throw new Forbidden(`You are not permitted to create ${what} owned by 'None'`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fourByteInDict(values: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(values)) {
    if (isObject(value)) {
      const found = fourByteInDict(value);
      if (found !== null) return found;
      continue;
    }
    if (hasFourByteChar(key)) return "Property names can't contain 4 byte unicode.";
    if (typeof value === 'string' && hasFourByteChar(value)) return `${pythonTitle(key)} can't contain 4 byte unicode characters.`;
  }
  return null;
}

/**
 * Glance's database guard against characters MySQL's 3-byte utf8 cannot store: the column
 * values (nested definitions included) first, then the plain names passed along. A hit is a
 * 400 `<prefix><reason>` (e.g. "Couldn't create metadata object: Name can't contain …").
 */
export function assertNoFourByte(prefix: string, values: Record<string, unknown>, ...names: string[]): void {
  const found = fourByteInDict(values) ?? (names.some(hasFourByteChar) ? "Param values can't contain 4 byte unicode." : null);
  if (found !== null) throw new BadRequest(`${prefix}${found}`);
}

/** The `limit` parameter: the default when absent, at most `api_limit_max`; 400 unless a non-negative integer. */
export function parseLimit(raw: string | null, paging: MetadefDeps['paging']): number {
  if (raw === null) return paging.limitParamDefault;
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw new BadRequest('limit param must be an integer');
  const limit = Number(raw);
  if (limit < 0) throw new BadRequest('limit param must be positive');
  return Math.min(limit, paging.apiLimitMax);
}

/** The `sort_dir` parameter (default `desc`). */
export function parseSortDir(raw: string | null): 'asc' | 'desc' {
  const dir = raw ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Invalid sort direction: ${dir}`);
  return dir;
}

/** Checks a `visibility` filter against the values a list accepts. */
export function checkVisibilityFilter(raw: string | null, allowed: string[]): void {
  if (raw !== null && raw !== '' && !allowed.includes(raw)) throw new BadRequest(`Invalid visibility value: ${raw}`);
}
