/**
 * The image_decompression import plugin on real gzip and zip data made here: the staged file
 * becomes the original image; bombs, multi-file archives, damaged data and LHA are refused with
 * the staged file left as it was; data that is not compressed, or whose container_format says
 * it stays compressed, is not touched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { TooLarge, UnsupportedMediaType } from '../../src/domain/errors.js';
import { ImageDecompressionPlugin } from '../../src/import/plugins/image-decompression-plugin.js';
import { sha256File, StagingDir } from './plugin-context.js';
import { zipArchive } from './zip-writer.js';

const MiB = 1024 * 1024;
const bare = { disk_format: 'raw', container_format: 'bare' };

let staging: StagingDir;
let image: Buffer;
before(() => {
  staging = new StagingDir();
  // Compressible and incompressible parts, 3 MiB in all: several zlib chunks each way.
  image = Buffer.concat([randomBytes(MiB), Buffer.alloc(MiB, 0x41), randomBytes(MiB)]);
});
after(() => staging.cleanup());

const plugin = (imageSizeCap = 1099511627776): ImageDecompressionPlugin => new ImageDecompressionPlugin({ imageSizeCap });

describe('decompresses', () => {
  const archives: Array<{ name: string; data: () => Buffer }> = [
    { name: 'gzip', data: () => gzipSync(image) },
    { name: 'gzip of two concatenated members', data: () => Buffer.concat([gzipSync(image.subarray(0, MiB)), gzipSync(image.subarray(MiB))]) },
    { name: 'zip (deflate)', data: () => zipArchive([{ name: 'disk.img', data: image }]) },
    { name: 'zip (stored)', data: () => zipArchive([{ name: 'disk.img', data: image, method: 0 }]) },
    { name: 'zip64', data: () => zipArchive([{ name: 'disk.img', data: image }], { zip64: true }) },
  ];
  for (const a of archives) {
    test(`${a.name}: the staged file becomes the image, the image record is unchanged`, async () => {
      const { ctx, changes } = staging.stage(a.data(), bare);
      await plugin().run(ctx);
      assert.ok(readFileSync(ctx.stagingPath).equals(image));
      assert.deepEqual(changes, []);
      assert.deepEqual(staging.filesOf(ctx), [ctx.image.id], 'no temporary file is left');
    });
  }

  test('an empty zip member gives an empty image', async () => {
    const { ctx } = staging.stage(zipArchive([{ name: 'empty.img', data: Buffer.alloc(0), method: 0 }]), bare);
    await plugin().run(ctx);
    assert.equal(readFileSync(ctx.stagingPath).length, 0);
  });
});

describe('leaves alone', () => {
  test('data that is not compressed', async () => {
    const { ctx } = staging.stage(image, bare);
    await plugin().run(ctx);
    assert.ok(readFileSync(ctx.stagingPath).equals(image));
  });

  test('gzip data of an image whose container_format is compressed', async () => {
    const gz = gzipSync(image);
    const { ctx } = staging.stage(gz, { disk_format: 'raw', container_format: 'compressed' });
    await plugin().run(ctx);
    assert.ok(readFileSync(ctx.stagingPath).equals(gz));
  });
});

describe('refuses, leaving the staged file as it was', () => {
  const cases: Array<{ name: string; data: () => Buffer; cap?: number; error: typeof TooLarge | typeof UnsupportedMediaType; message: RegExp }> = [
    {
      name: 'a gzip bomb past image_size_cap',
      data: () => gzipSync(Buffer.alloc(16 * MiB)),
      cap: MiB,
      error: TooLarge,
      message: /larger than the image size cap of 1048576 bytes/,
    },
    {
      name: 'a zip bomb whose header lies about its size',
      data: () => {
        const zip = zipArchive([{ name: 'disk.img', data: Buffer.alloc(16 * MiB) }]);
        // Patch both recorded uncompressed sizes (local header at 22, central entry at 24).
        const cd = zip.length - 22 - 46 - 'disk.img'.length;
        zip.writeUInt32LE(100, 22);
        zip.writeUInt32LE(100, cd + 24);
        return zip;
      },
      cap: MiB,
      error: TooLarge,
      message: /image size cap/,
    },
    {
      name: 'a zip whose declared size is over the cap',
      data: () => zipArchive([{ name: 'disk.img', data: image }]),
      cap: MiB,
      error: TooLarge,
      message: /image size cap/,
    },
    {
      name: 'a zip of two files',
      data: () => zipArchive([{ name: 'a.img', data: image }, { name: 'b.img', data: image }]),
      error: UnsupportedMediaType,
      message: /holds 2 entries; only an archive of exactly one file/,
    },
    {
      name: 'a zip whose CRC does not match',
      data: () => zipArchive([{ name: 'disk.img', data: image }], { crcOf: () => 12345 }),
      error: UnsupportedMediaType,
      message: /does not match its recorded size and CRC-32/,
    },
    {
      name: 'a truncated zip',
      data: () => zipArchive([{ name: 'disk.img', data: image }]).subarray(0, 2 * MiB),
      error: UnsupportedMediaType,
      message: /zip archive is damaged: end of central directory not found/,
    },
    {
      name: 'a truncated gzip',
      data: () => gzipSync(image).subarray(0, MiB),
      error: UnsupportedMediaType,
      message: /gzip data is damaged: unexpected end of file/,
    },
    {
      name: 'an LHA archive',
      data: () => Buffer.concat([Buffer.from([0x30, 0x00]), Buffer.from('-lh5-'), randomBytes(1000)]),
      error: UnsupportedMediaType,
      message: /LHA archives are not supported/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { ctx, changes } = staging.stage(c.data(), bare);
      const before = sha256File(ctx.stagingPath);
      await assert.rejects(plugin(c.cap).run(ctx), (err: unknown) => {
        assert.ok(err instanceof c.error, String(err));
        assert.match(err.message, c.message);
        return true;
      });
      assert.equal(sha256File(ctx.stagingPath), before);
      assert.deepEqual(changes, []);
      assert.deepEqual(staging.filesOf(ctx), [ctx.image.id]);
    });
  }

  test('an aborted import rejects with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    const { ctx } = staging.stage(gzipSync(image), bare, { signal: controller.signal });
    const run = plugin().run(ctx);
    controller.abort(reason);
    await assert.rejects(run, (err) => err === reason);
    assert.deepEqual(staging.filesOf(ctx), [ctx.image.id]);
  });
});
