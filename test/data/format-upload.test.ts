/**
 * Every disk-format fixture through the real upload path (inventory §7): benign images become
 * `active` with the virtual size qemu-img reports; hostile ones (backing or data files, unknown
 * qcow2 features, flat or path-naming vmdk descriptors, qed, broken partition tables, content
 * that is not what `disk_format` says) are refused with Glance's 415 body, the image goes back
 * to `queued`, and nothing of them stays in the data directory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pyJson } from '../../src/http/py-json.js';
import { Fixtures, qemuInfo } from '../format/format-fixtures.js';
import { startDataApi, type DataApi } from './data-harness.js';

const MiB = 1024 * 1024;
// WebOb's 415 template names the request's media type and nothing else (ref 116's shape).
const REFUSED = pyJson({
  message: 'The request media type application/octet-stream is not supported by this server.\n<br /><br />\n',
  code: '415 Unsupported Media Type',
  title: 'Unsupported Media Type',
});

let api: DataApi;
let fx: Fixtures;

before(async () => {
  fx = new Fixtures();
  // gpt, luks and qed are not in Glance's default list; an operator may add them.
  api = await startDataApi({
    ini: { image_format: { disk_formats: 'ami,ari,aki,vhd,vhdx,vmdk,raw,qcow2,vdi,iso,ploop,gpt,luks,qed' } },
  });
});

after(async () => {
  await api?.close();
  fx?.cleanup();
});

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

async function uploadAs(bytes: Buffer, diskFormat: string): Promise<{ id: string; status: number; text: string }> {
  const id = await api.create('demo', { disk_format: diskFormat });
  const res = await api.upload('demo', id, bytes);
  return { id, status: res.status, text: res.text };
}

describe('benign images are accepted with the virtual size qemu-img reports', () => {
  // fixture → disk_format declared
  const cases: Array<[string, string]> = [
    ['raw', 'raw'], ['qcow2', 'qcow2'], ['qcow2-v2', 'qcow2'], ['qcow2-cirros', 'qcow2'],
    ['vmdk-sparse', 'vmdk'], ['vmdk-stream', 'vmdk'], ['vhd', 'vhd'], ['vhdx', 'vhdx'], ['vdi', 'vdi'],
    ['iso', 'iso'], ['iso-hybrid', 'iso'], ['gpt', 'gpt'], ['mbr', 'gpt'], ['luks', 'luks'],
  ];
  for (const [name, diskFormat] of cases) {
    test(`${name} as ${diskFormat}`, async () => {
      const bytes = fx.bytes(name);
      const { id, status, text } = await uploadAs(bytes, diskFormat);
      assert.equal(status, 204, text);
      const image = await api.image(id);
      assert.equal(image.status, 'active');
      assert.equal(image.virtual_size, qemuInfo(fx.path(name)).virtualSize);
      assert.equal(image.size, bytes.length);
      assert.equal(image.checksum, md5(bytes));
    });
  }

  test('content of another format declared raw is kept as raw bytes (virtual size = size)', async () => {
    for (const name of ['qcow2', 'vhd-fixed', 'fat']) {
      const bytes = fx.bytes(name);
      const { id, status, text } = await uploadAs(bytes, 'raw');
      assert.equal(status, 204, `${name}: ${text}`);
      assert.equal((await api.image(id)).virtual_size, bytes.length, name);
    }
  });
});

describe('hostile images are refused with 415 and leave nothing', () => {
  const hostile: Array<[string, () => Buffer, string]> = [
    ['qcow2 with a backing file', () => fx.bytes('qcow2-backing'), 'qcow2'],
    ['qcow2 with a backing file, declared raw', () => fx.bytes('qcow2-backing'), 'raw'],
    ['qcow2 with an external data file', () => fx.bytes('qcow2-datafile'), 'qcow2'],
    ['qcow2 with unknown incompatible feature bits', () => readFileSync(fx.variant('qcow2', 'feature', [[79, [0x20]]])), 'qcow2'],
    ['vmdk monolithicFlat descriptor', () => fx.bytes('vmdk-flat'), 'vmdk'],
    ['vmdk extent naming a path', () => {
      const at = fx.bytes('vmdk-sparse').indexOf('"vmdk-sparse.img"');
      return readFileSync(fx.variant('vmdk-sparse', 'path', [[at, Buffer.from('"/etc/shadow.img"')]]));
    }, 'vmdk'],
    ['qed', () => fx.bytes('qed'), 'qed'],
    ['qed declared raw', () => fx.bytes('qed'), 'raw'],
    ['gpt with a hybrid MBR', () => fx.bytes('gpt-hybrid'), 'gpt'],
    ['mbr with an invalid boot flag', () => readFileSync(fx.variant('mbr', 'bootflag', [[446, [0x81]]])), 'gpt'],
    ['qcow2 content declared vmdk', () => fx.bytes('qcow2'), 'vmdk'],
    ['raw content declared qcow2', () => fx.bytes('raw'), 'qcow2'],
    ['LUKS2', () => fx.bytes('luks2'), 'luks'],
    ['a qcow2 header in an ISO system area', () => readFileSync(fx.variant('iso', 'qcow2', [[0, fx.bytes('qcow2').subarray(0, 512)]])), 'iso'],
  ];
  for (const [label, bytes, diskFormat] of hostile) {
    test(label, async () => {
      const { id, status, text } = await uploadAs(bytes(), diskFormat);
      assert.equal(status, 415, text);
      assert.equal(text, REFUSED);
      const image = await api.image(id);
      assert.equal(image.status, 'queued');
      assert.equal(image.size, null);
      assert.equal(image.checksum, null);
      assert.deepEqual((await api.entries(api.dataDir)).filter((f) => f.includes(id)), []);
    });
  }

  test('a refused image can be uploaded again with acceptable data', async () => {
    const id = await api.create('demo', { disk_format: 'qcow2' });
    assert.equal((await api.upload('demo', id, fx.bytes('qcow2-backing'))).status, 415);
    const good = fx.bytes('qcow2');
    assert.equal((await api.upload('demo', id, good)).status, 204);
    const image = await api.image(id);
    assert.equal(image.status, 'active');
    assert.equal(image.virtual_size, 10 * MiB);
    assert.equal(image.checksum, md5(good));
  });
});
