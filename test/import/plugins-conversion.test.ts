/**
 * The image_conversion import plugin against the real qemu-img: conversions to raw and vmdk
 * checked against qemu-img's own results, refusals of unsafe or mislabelled images (which must
 * leave the staged file untouched), the already-converted case and the process bounds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import { GlanceError, UnsupportedMediaType } from '../../src/domain/errors.js';
import { ImageConversionPlugin, type ConversionFormat } from '../../src/import/plugins/image-conversion-plugin.js';
import { QemuImg } from '../../src/import/plugins/qemu-img.js';
import { Fixtures, patchFile, qemuInfo, run } from '../format/format-fixtures.js';
import { sha256File, StagingDir } from './plugin-context.js';

const MiB = 1024 * 1024;
const VMDK_DEFAULT_TYPES = ['streamOptimized', 'monolithicSparse'];

let fx: Fixtures;
let staging: StagingDir;
let qcow2: string;
let rawSource: string;
before(() => {
  fx = new Fixtures();
  staging = new StagingDir();
  // 12 MiB virtual with real data at three places, so a conversion that loses data shows.
  rawSource = fx.scratch('source.raw');
  writeFileSync(rawSource, Buffer.alloc(0));
  truncateSync(rawSource, 12 * MiB);
  for (const at of [0, 5 * MiB + 512, 11 * MiB]) patchFile(rawSource, at, randomBytes(MiB));
  qcow2 = fx.scratch('source.qcow2');
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', rawSource, qcow2]);
});
after(() => {
  fx.cleanup();
  staging.cleanup();
});

function plugin(outputFormat: ConversionFormat, qemuImg?: QemuImg): ImageConversionPlugin {
  return new ImageConversionPlugin({ outputFormat, vmdkAllowedTypes: VMDK_DEFAULT_TYPES, gptSafetyChecksNonfatal: [], qemuImg });
}

describe('conversion', () => {
  test('qcow2 → raw: same bytes as qemu-img convert, virtual size kept, formats updated', async () => {
    const { ctx, changes } = staging.stage(qcow2, { disk_format: 'qcow2', container_format: 'bare' });
    await plugin('raw').run(ctx);
    const expected = fx.scratch('expected.raw');
    run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow2, expected]);
    assert.equal(sha256File(ctx.stagingPath), sha256File(expected));
    assert.equal(sha256File(ctx.stagingPath), sha256File(rawSource));
    assert.deepEqual(changes, [{ disk_format: 'raw', container_format: 'bare', virtual_size: qemuInfo(qcow2).virtualSize }]);
    assert.deepEqual(staging.filesOf(ctx), [ctx.image.id], 'no temporary file is left');
  });

  test('qcow2 → vmdk: a monolithicSparse vmdk with the same content', async () => {
    const { ctx, changes } = staging.stage(qcow2, { disk_format: 'qcow2', container_format: 'ovf' });
    await plugin('vmdk').run(ctx);
    const info = JSON.parse(run('qemu-img', ['info', '--output=json', ctx.stagingPath])) as {
      format: string;
      'virtual-size': number;
      'format-specific': { data: { 'create-type': string } };
    };
    assert.equal(info.format, 'vmdk');
    assert.equal(info['format-specific'].data['create-type'], 'monolithicSparse');
    // `qemu-img compare` exits 0 only when the guest-visible contents are identical.
    run('qemu-img', ['compare', '-f', 'vmdk', '-F', 'raw', ctx.stagingPath, rawSource]);
    assert.deepEqual(changes, [{ disk_format: 'vmdk', container_format: 'bare', virtual_size: 12 * MiB }]);
  });

  test('vhd (qemu-img names it vpc) → raw', async () => {
    const { ctx, changes } = staging.stage(fx.path('vhd'), { disk_format: 'vhd', container_format: 'bare' });
    await plugin('raw').run(ctx);
    assert.deepEqual(qemuInfo(ctx.stagingPath), { format: 'raw', virtualSize: qemuInfo(fx.path('vhd')).virtualSize });
    assert.deepEqual(changes, [{ disk_format: 'raw', container_format: 'bare', virtual_size: qemuInfo(fx.path('vhd')).virtualSize }]);
  });

  test('an image already in the output format is left as it is; its virtual size is recorded', async () => {
    const { ctx, changes } = staging.stage(qcow2, { disk_format: 'qcow2', container_format: 'bare' });
    const before = sha256File(ctx.stagingPath);
    await plugin('qcow2').run(ctx);
    assert.equal(sha256File(ctx.stagingPath), before);
    assert.deepEqual(changes, [{ virtual_size: 12 * MiB }]);
  });

  test('an ISO declared iso is not converted', async () => {
    const { ctx, changes } = staging.stage(fx.path('iso'), { disk_format: 'iso', container_format: 'bare' });
    const before = sha256File(ctx.stagingPath);
    await plugin('raw').run(ctx);
    assert.equal(sha256File(ctx.stagingPath), before);
    assert.deepEqual(changes, []);
  });
});

describe('refusals leave the staged file untouched', () => {
  const cases: Array<{ name: string; fixture: () => string; disk: string; message: RegExp }> = [
    { name: 'a qcow2 with a backing file', fixture: () => fx.path('qcow2-backing'), disk: 'qcow2', message: /safety checks.*backing file/i },
    { name: 'a qcow2 with an external data file', fixture: () => fx.path('qcow2-datafile'), disk: 'qcow2', message: /data file/i },
    { name: 'raw data declared qcow2', fixture: () => rawSource, disk: 'qcow2', message: /\(raw\) does not match disk_format qcow2/ },
    { name: 'qcow2 data declared raw', fixture: () => qcow2, disk: 'raw', message: /format mismatch: disk_format is raw but the data is qcow2/ },
    { name: 'an ISO declared raw', fixture: () => fx.path('iso'), disk: 'raw', message: /is an ISO image/ },
    { name: 'a monolithicFlat vmdk (extent file outside the image)', fixture: () => fx.path('vmdk-flat'), disk: 'vmdk', message: /vmdk_allowed_types/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { ctx, changes } = staging.stage(c.fixture(), { disk_format: c.disk, container_format: 'bare' });
      const before = sha256File(ctx.stagingPath);
      await assert.rejects(plugin('raw').run(ctx), (err: unknown) => {
        assert.ok(err instanceof UnsupportedMediaType, String(err));
        assert.match(err.message, c.message);
        return true;
      });
      assert.equal(sha256File(ctx.stagingPath), before);
      assert.deepEqual(changes, []);
      assert.deepEqual(staging.filesOf(ctx), [ctx.image.id]);
    });
  }

  test('vmdk_allowed_types without monolithicSparse refuses a sparse vmdk', async () => {
    const { ctx } = staging.stage(fx.path('vmdk-sparse'), { disk_format: 'vmdk', container_format: 'bare' });
    const strict = new ImageConversionPlugin({ outputFormat: 'raw', vmdkAllowedTypes: ['streamOptimized'], gptSafetyChecksNonfatal: [] });
    await assert.rejects(strict.run(ctx), /createType monolithicSparse is not in vmdk_allowed_types/);
  });
});

describe('qemu-img bounds', () => {
  test('a conversion past its timeout is killed and leaves nothing behind', async () => {
    const { ctx, changes } = staging.stage(qcow2, { disk_format: 'qcow2', container_format: 'bare' });
    const before = sha256File(ctx.stagingPath);
    await assert.rejects(plugin('raw', new QemuImg({ convertTimeoutMs: 1 })).run(ctx), (err: unknown) => {
      assert.ok(err instanceof GlanceError && err.kind === 'internal', String(err));
      assert.match(err.message, /did not finish within/);
      return true;
    });
    assert.equal(sha256File(ctx.stagingPath), before);
    assert.deepEqual(changes, []);
    assert.deepEqual(staging.filesOf(ctx), [ctx.image.id]);
  });

  test('an aborted import rejects with the abort reason and changes nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    controller.abort(reason);
    const { ctx, changes } = staging.stage(qcow2, { disk_format: 'qcow2', container_format: 'bare' }, { signal: controller.signal });
    await assert.rejects(plugin('raw').run(ctx), (err: unknown) => err === reason);
    assert.deepEqual(changes, []);
    assert.deepEqual(staging.filesOf(ctx), [ctx.image.id]);
  });
});

describe('qemu-img info cross-check', () => {
  const signal = new AbortController().signal;

  test('reports the backing file, the data file and the vmdk create-type it sees', async () => {
    const q = new QemuImg();
    assert.match((await q.info(fx.path('qcow2-backing'), 'qcow2', signal)).backingFilename ?? '', /base\.raw$/);
    assert.match((await q.info(fx.path('qcow2-datafile'), 'qcow2', signal)).dataFile ?? '', /data\.raw$/);
    assert.equal((await q.info(fx.path('vmdk-stream'), 'vmdk', signal)).vmdkCreateType, 'streamOptimized');
    const plain = await q.info(qcow2, 'qcow2', signal);
    assert.deepEqual(plain, { format: 'qcow2', virtualSize: 12 * MiB, backingFilename: null, dataFile: null, vmdkCreateType: null });
  });

  test('data qemu-img cannot read as the declared format is refused with its message', async () => {
    await assert.rejects(new QemuImg().info(rawSource, 'qcow2', signal), (err: unknown) => {
      assert.ok(err instanceof UnsupportedMediaType, String(err));
      assert.match(err.message, /^qemu-img could not read the image as qcow2: .*not in qcow2 format/);
      return true;
    });
  });
});
