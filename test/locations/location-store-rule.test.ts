/**
 * `POST /v2/images/{id}/locations` with a swift store configured (the real Swift, tempauth): the
 * image's owner may add http locations only; a location of another store (here a swift URL)
 * is for services (403 otherwise), as in Glance. A service's request is
 * accepted and its background task reads the object from Swift.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECTS } from '../api/api-harness.js';
import { eventually, startDataApi, type DataApi } from '../data/data-harness.js';
import { RawSwift, swiftSkipReason, writeReferences } from '../store/swift-test-kit.js';

const SERVICE = { 'x-project-id': PROJECTS.demo, 'x-user-id': 'nova', 'x-roles': 'service' };
const skip = await swiftSkipReason(8081);

describe('locations of non-http stores are for services', { skip: skip ?? false }, () => {
  let dir: string;
  let api: DataApi;
  let raw: RawSwift;
  const container = `glance-ts-loc-${randomUUID().slice(0, 8)}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glance-loc-swift-'));
    raw = await RawSwift.login('tempauth');
    api = await startDataApi({
      ini: {
        DEFAULT: { enabled_backends: 'fs:file,swift:swift' },
        swift: {
          swift_store_config_file: await writeReferences(dir), default_swift_reference: 'tempauth',
          swift_store_container: container, swift_store_create_container_on_put: 'true',
        },
      },
    });
    assert.equal((await raw.req('PUT', `/${container}`)).status < 300, true);
  });
  after(async () => {
    await api?.close();
    await raw?.dropContainer(container).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the owner gets 403 for a swift location; a service gets 202 and the task reads the object', async () => {
    const data = randomBytes(4096);
    const object = randomUUID();
    assert.ok((await raw.req('PUT', `/${container}/${object}`, {}, data)).status < 300);
    // A credential-bearing swift URL, as glance_store writes for a tempauth store
    // (`swift+config://` locations are refused outright, as in Glance).
    const url = `swift+http://test%3Atester:testing@127.0.0.1:8081/auth/v1.0/${container}/${object}`;

    const id = await api.create('demo', { disk_format: 'raw' });
    const owner = await api.call('demo', 'POST', `/v2/images/${id}/locations`, { body: { url } });
    assert.equal(owner.status, 403, owner.text);
    assert.match(JSON.parse(owner.text).message, /^Only services may add locations of stores other than http\./);

    const service = await api.call('anonymous', 'POST', `/v2/images/${id}/locations`, { body: { url }, headers: SERVICE });
    assert.equal(service.status, 202, service.text);
    assert.ok(await eventually(async () => (await api.image(id)).status === 'active', 20_000), JSON.stringify(await api.image(id)));
    assert.equal((await api.image(id)).size, data.length);
  });
});
