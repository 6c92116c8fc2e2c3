/**
 * Interoperable import through the API (the real application on a socket, noauth identities,
 * two filesystem stores): glance-direct, web-download from a local HTTP server allowed by
 * `[import_filtering_opts]`, copy-image to a second store, qcow2 → raw with the
 * `image_conversion` plugin, the request checks Glance makes (refs 201, 211–217), the tasks
 * API and an image's tasks (refs 206–209), and what a failed import leaves: the image back in
 * `queued`, no data in any store or in staging, the task failed with the reason.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { eventually, startDataApi, type DataApi } from '../data/data-harness.js';
import { run, qemuInfo } from '../format/format-fixtures.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('image import', () => {
  let api: DataApi;
  let web: Server;
  let webPort: number;
  const served = new Map<string, { status?: number; location?: string; body?: Buffer }>();

  before(async () => {
    web = createServer((req, res) => {
      const r = served.get(req.url ?? '') ?? { status: 404 };
      if (r.location !== undefined) res.writeHead(r.status ?? 302, { location: r.location }).end();
      else res.writeHead(r.status ?? 200).end(r.body);
    });
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
    webPort = (web.address() as AddressInfo).port;
    api = await startDataApi({
      ini: {
        DEFAULT: { enabled_backends: 'fs:file,fs2:file', enabled_import_methods: '[glance-direct,web-download,copy-image]' },
        fs2: { filesystem_store_datadir: '{dir}/images2' },
        import_filtering_opts: { allowed_hosts: '127.0.0.1', allowed_ports: String(webPort) },
        image_import_opts: { image_import_plugins: '[image_conversion]' },
        image_conversion: { output_format: 'raw' },
      },
    });
  });
  after(async () => {
    await api?.close();
    web?.closeAllConnections();
    web?.close();
  });

  const importImage = (id: string, body: unknown, user: 'demo' | 'admin' = 'demo') =>
    api.call(user, 'POST', `/v2/images/${id}/import`, { body });
  const settled = async (id: string) => {
    assert.ok(await eventually(async () => {
      const tasks = JSON.parse((await api.call('admin', 'GET', `/v2/images/${id}/tasks`)).text).tasks as Array<{ status: string }>;
      return tasks.length > 0 && tasks.every((t) => t.status === 'success' || t.status === 'failure');
    }, 30_000), 'the import task never finished');
    return JSON.parse((await api.call('admin', 'GET', `/v2/images/${id}/tasks`)).text).tasks as Array<Record<string, unknown>>;
  };
  const stagingEmpty = async () => (await api.entries(api.stagingDir)).filter((f) => !f.startsWith('.')).length === 0;

  test('glance-direct: stage, import, active with the staged data\'s checksum; the task succeeded; staging emptied', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await api.call('demo', 'POST', `/v2/images/${id}/import`, { body: { method: { name: 'glance-direct' } } })).status, 409);
    assert.equal((await api.call('demo', 'PUT', `/v2/images/${id}/stage`, { body: data, headers: { 'content-type': 'application/octet-stream' } })).status, 204);
    const res = await importImage(id, { method: { name: 'glance-direct' } });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
    const [task] = await settled(id);
    assert.equal(task!.status, 'success');
    assert.equal(task!.type, 'api_image_import');
    assert.equal(task!.message, 'Copied 3 MiB');
    assert.deepEqual(task!.result, { image_id: id });
    assert.deepEqual(task!.input, { image_id: id, import_req: { method: { name: 'glance-direct' } }, backend: ['fs'] });
    const image = await api.image(id);
    assert.equal(image.status, 'active');
    assert.equal(image.checksum, md5(data));
    assert.equal(image.size, data.length);
    assert.equal(image.stores, 'fs');
    assert.equal(image.os_glance_importing_to_stores, '');
    assert.equal(image.os_glance_failed_import, '');
    assert.ok(!('os_glance_import_task' in image));
    assert.ok(await stagingEmpty());
    const events = api.notifications().map((n) => n.event_type).filter((e) => e.startsWith('task.'));
    assert.deepEqual(events.slice(-4), ['task.create', 'task.run', 'task.processing', 'task.success']);
    assert.equal((await importImage(id, { method: { name: 'glance-direct' } })).status, 409);
  });

  test('web-download from an allowed server, then copy-image to the second store', async () => {
    const data = randomBytes(1024 * 1024);
    served.set('/img.raw', { body: data });
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await importImage(id, { method: { name: 'web-download', uri: `http://127.0.0.1:${webPort}/img.raw` } })).status, 202);
    assert.equal((await settled(id))[0]!.status, 'success');
    assert.equal((await api.image(id)).checksum, md5(data));

    assert.equal((await importImage(id, { method: { name: 'copy-image' }, stores: ['fs2'] })).status, 403);
    assert.equal((await importImage(id, { method: { name: 'copy-image' }, stores: ['fs'] }, 'admin')).status, 400);
    assert.equal((await importImage(id, { method: { name: 'copy-image' }, stores: ['fs2'] }, 'admin')).status, 202);
    assert.ok(await eventually(async () => (await api.image(id)).stores === 'fs,fs2', 30_000));
    const copied = readFileSync(join(api.dir, 'images2', id));
    assert.equal(md5(copied), md5(data));
    // Nothing left to copy with all_stores: accepted, and nothing runs.
    assert.equal((await importImage(id, { method: { name: 'copy-image' }, all_stores: true }, 'admin')).status, 202);
    assert.equal((await settled(id)).length, 2);
  });

  test('web-download URIs that do not pass filtering are refused at request time', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    for (const uri of ['http://127.0.0.1/x', 'http://2130706433/', 'http://0x7f000001/', 'http://[::ffff:127.0.0.1]/', `http://localhost:${webPort}/img.raw`]) {
      const res = await importImage(id, { method: { name: 'web-download', uri } });
      assert.equal(res.status, 400, uri);
      assert.equal(JSON.parse(res.text).message, `URI for web-download does not pass filtering: ${uri}<br /><br />\n\n\n`);
    }
    assert.equal((await api.image(id)).status, 'queued');
  });

  test('a redirect to a denied address fails the task: image back to queued, nothing stored or staged', async () => {
    served.set('/redirect', { status: 302, location: 'http://0x7f000001:80/secret' });
    const id = await api.create('demo', { disk_format: 'raw' });
    assert.equal((await importImage(id, { method: { name: 'web-download', uri: `http://127.0.0.1:${webPort}/redirect` } })).status, 202);
    const [task] = await settled(id);
    assert.equal(task!.status, 'failure');
    assert.match(String(task!.message), /does not pass filtering: http:\/\/0x7f000001:80\/secret/);
    const image = await api.image(id);
    assert.equal(image.status, 'queued');
    assert.equal(image.os_glance_importing_to_stores, '');
    assert.equal(image.os_glance_failed_import, 'fs');
    assert.ok(!('os_glance_import_task' in image));
    assert.ok(!(await api.entries(api.dataDir)).includes(id));
    assert.ok(await stagingEmpty());
    // The lock is gone: the import can be retried.
    served.set('/ok', { body: Buffer.from('fine') });
    assert.equal((await importImage(id, { method: { name: 'web-download', uri: `http://127.0.0.1:${webPort}/ok` } })).status, 202);
  });

  test('image_conversion: a qcow2 imported with glance-direct becomes raw, virtual size kept, checksum of the converted data', async () => {
    const dir = api.dir;
    run('qemu-img', ['create', '-f', 'qcow2', join(dir, 'src.qcow2'), '5M']);
    run('qemu-io', ['-c', 'write -P 0x5a 0 1M', join(dir, 'src.qcow2')]);
    run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', join(dir, 'src.qcow2'), join(dir, 'expected.raw')]);
    const id = await api.create('demo', { disk_format: 'qcow2' });
    const qcow = readFileSync(join(dir, 'src.qcow2'));
    assert.equal((await api.call('demo', 'PUT', `/v2/images/${id}/stage`, { body: qcow, headers: { 'content-type': 'application/octet-stream' } })).status, 204);
    assert.equal((await importImage(id, { method: { name: 'glance-direct' } })).status, 202);
    const [task] = await settled(id);
    assert.equal(task!.status, 'success', String(task!.message));
    const image = await api.image(id);
    assert.equal(image.disk_format, 'raw');
    assert.equal(image.virtual_size, qemuInfo(join(dir, 'src.qcow2')).virtualSize);
    assert.equal(image.checksum, md5(readFileSync(join(dir, 'expected.raw'))));
  });

  test('request checks in Glance\'s order and words', async () => {
    const id = await api.create('demo', { disk_format: 'raw' });
    const message = async (body: unknown) => {
      const res = await importImage(id, body);
      return [res.status, JSON.parse(res.text).message.replace('<br /><br />\n\n\n', '')];
    };
    assert.deepEqual(await message({}), [400, "Import request requires a 'method' field."]);
    assert.deepEqual(await message({ method: {} }), [400, "Import request requires a 'name' field."]);
    assert.deepEqual(await message({ method: { name: 'no-such-method' } }), [400, "Unknown import method name 'no-such-method'."]);
    assert.deepEqual(await message({ method: { name: 'glance-direct' }, all_stores: 'yes' }), [400, "'all_stores' must be boolean value only"]);
    assert.deepEqual(await message({ method: { name: 'copy-image' } }), [409, 'Only images with status active can be targeted for copying']);
    assert.deepEqual(await message({ method: { name: 'glance-direct' } }), [409, "Image needs to be staged before 'glance-direct' method can be used"]);
    assert.deepEqual(await message({ method: { name: 'web-download', uri: `http://127.0.0.1:${webPort}/x` }, stores: ['nope'] }), [409, 'Store for identifier nope not found']);
    assert.equal((await api.call('demo', 'POST', '/v2/images/00000000-0000-0000-0000-000000000000/import', { body: { method: { name: 'glance-direct' } } })).status, 404);
  });

  test('legacy tasks API import: URI filtering (ref 210), a download into a new image, a task failing on missing input', async () => {
    const refused = await api.call('admin', 'POST', '/v2/tasks', { body: {
      type: 'import',
      input: { import_from: 'http://127.0.0.1/cirros-test.qcow2', import_from_format: 'qcow2', image_properties: { name: 'legacy-task', disk_format: 'qcow2', container_format: 'bare' } },
    } });
    assert.equal(refused.status, 400);
    assert.equal(JSON.parse(refused.text).message, 'URI for legacy import task does not pass filtering: http://127.0.0.1/cirros-test.qcow2<br /><br />\n\n\n');
    assert.equal((await api.call('demo', 'POST', '/v2/tasks', { body: { type: 'import', input: {} } })).status, 403);

    const data = randomBytes(200_000);
    served.set('/legacy.raw', { body: data });
    const created = await api.call('admin', 'POST', '/v2/tasks', { body: {
      type: 'import',
      input: { import_from: `http://127.0.0.1:${webPort}/legacy.raw`, import_from_format: 'raw', image_properties: { name: 'legacy', disk_format: 'raw', container_format: 'bare' } },
    } });
    assert.equal(created.status, 201);
    const task = JSON.parse(created.text) as Record<string, unknown>;
    assert.equal(created.headers.get('location'), `/v2/tasks/${String(task.id)}`);
    assert.equal(task.status, 'pending');
    assert.equal(task.type, 'import');
    let shown: Record<string, unknown> = task;
    assert.ok(await eventually(async () => {
      shown = JSON.parse((await api.call('admin', 'GET', `/v2/tasks/${String(task.id)}`)).text) as Record<string, unknown>;
      return shown.status === 'success' || shown.status === 'failure';
    }, 30_000));
    assert.equal(shown.status, 'success', String(shown.message));
    const imageId = (shown.result as { image_id: string }).image_id;
    const image = await api.image(imageId);
    assert.equal(image.name, 'legacy');
    assert.equal(image.status, 'active');
    assert.equal(image.checksum, md5(data));

    const incomplete = JSON.parse((await api.call('admin', 'POST', '/v2/tasks', { body: { type: 'import', input: { import_from: `http://127.0.0.1:${webPort}/legacy.raw` } } })).text) as { id: string };
    assert.ok(await eventually(async () => JSON.parse((await api.call('admin', 'GET', `/v2/tasks/${incomplete.id}`)).text).status === 'failure', 10_000));
    assert.equal(JSON.parse((await api.call('admin', 'GET', `/v2/tasks/${incomplete.id}`)).text).message, "Input does not contain 'import_from_format' field");
  });

  test('tasks API: admin only (ref 209), list with paging links (ref 208), show (ref 207), 404, DELETE 405', async () => {
    const denied = await api.call('demo', 'GET', '/v2/tasks');
    assert.equal(denied.status, 403);
    assert.equal(JSON.parse(denied.text).message, 'You are not authorized to complete tasks_api_access action.<br /><br />\n\n\n');
    const page = JSON.parse((await api.call('admin', 'GET', '/v2/tasks?limit=2')).text);
    assert.equal(page.tasks.length, 2);
    assert.deepEqual(Object.keys(page), ['tasks', 'first', 'schema', 'next']);
    assert.equal(page.first, '/v2/tasks?limit=2');
    assert.equal(page.next, `/v2/tasks?limit=2&marker=${page.tasks[1].id}`);
    assert.deepEqual(Object.keys(page.tasks[0]), ['id', 'type', 'status', 'owner', 'created_at', 'updated_at', 'self', 'schema', 'expires_at']);
    const next = JSON.parse((await api.call('admin', 'GET', page.next)).text);
    assert.ok(!next.tasks.some((t: { id: string }) => t.id === page.tasks[0].id || t.id === page.tasks[1].id));
    const shown = JSON.parse((await api.call('admin', 'GET', `/v2/tasks/${page.tasks[0].id}`)).text);
    assert.deepEqual(Object.keys(shown), ['id', 'input', 'type', 'status', 'owner', 'message', 'result', 'created_at', 'updated_at', 'self', 'schema', 'image_id', 'request_id', 'user_id', 'expires_at']);
    const missing = await api.call('admin', 'GET', '/v2/tasks/2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec');
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.text).message, 'Could not find task 2ed5b4f1-479c-4fc6-998c-8e4f2ce8e0ec<br /><br />\n\n\n');
    const del = await api.call('admin', 'DELETE', `/v2/tasks/${page.tasks[0].id}`);
    assert.equal(del.status, 405);
    assert.equal(del.headers.get('allow'), 'GET');
  });
});
