/**
 * A catalog region of a test's own in the real Keystone: image endpoints (public, internal,
 * admin) pointing at the glance-api process the test started, so the real clients find it
 * through the catalog (`OS_REGION_NAME`) without moving the seeded RegionOne endpoints other
 * tests rely on. `remove()` deletes the endpoints and the region.
 */
import { issueToken, type KeystoneFacts } from './keystone-fixture.js';

/** A registered region. */
export interface CatalogRegion {
  region: string;
  /** An admin token, for direct Identity or Image API calls of the test. */
  adminToken: string;
  remove(): Promise<void>;
}

/** Calls the Identity API with `token`; throws on an error status. */
export async function identityCall(ks: KeystoneFacts, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${ks.url}/v3${path}`, {
    method,
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}

/** Registers region `glance-ts-<port>` with the image endpoints at `apiUrl`. */
export async function registerRegion(ks: KeystoneFacts, apiUrl: string): Promise<CatalogRegion> {
  const adminToken = (await issueToken(ks, 'admin')).token;
  const region = `glance-ts-${new URL(apiUrl).port}`;
  await identityCall(ks, adminToken, 'POST', '/regions', { region: { id: region, description: 'glance-ts test' } });
  for (const iface of ['public', 'internal', 'admin']) {
    await identityCall(ks, adminToken, 'POST', '/endpoints', { endpoint: { service_id: ks.vars.IMAGE_SERVICE_ID, interface: iface, region_id: region, url: apiUrl } });
  }
  return {
    region,
    adminToken,
    async remove() {
      const list = await identityCall(ks, adminToken, 'GET', `/endpoints?region_id=${region}`).catch(() => ({ endpoints: [] }));
      for (const ep of (list.endpoints as Array<{ id: string }>) ?? []) await identityCall(ks, adminToken, 'DELETE', `/endpoints/${ep.id}`).catch(() => {});
      await identityCall(ks, adminToken, 'DELETE', `/regions/${region}`).catch(() => {});
    },
  };
}
