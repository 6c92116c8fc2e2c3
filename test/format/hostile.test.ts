/**
 * Hostile images: each must be refused with 415 "Image failed safety checks" (or, where two
 * formats hide in one file, "Multiple formats detected"), whatever chunk size carries it. Most
 * are made by the real tools; header patches are used only for layouts no tool writes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Fixtures, withVmdkFooter } from './format-fixtures.js';
import { inspectBytes, outcome } from './inspect-helpers.js';

const FAILED = { error: 'unsupported_media_type', message: 'Image failed safety checks' };

let fx: Fixtures;
before(() => {
  fx = new Fixtures();
});
after(() => fx.cleanup());

/** Asserts the refusal for every chunk size, and that the named check is among the reasons. */
function assertRefused(bytes: Buffer, diskFormat: string, reason: RegExp, detected: string): void {
  for (const size of [1, 7, 64 * 1024]) {
    const fi = inspectBytes(bytes, size);
    assert.deepEqual(outcome(fi, diskFormat), FAILED, `${size}-byte chunks`);
    const inspector = fi.inspectors.find((i) => i.name === detected)!;
    assert.ok(inspector.safetyCheck().some((r) => reason.test(r)), `${inspector.safetyCheck().join('; ')}`);
  }
}

describe('qcow2', () => {
  test('a backing file is refused', () => {
    assertRefused(fx.bytes('qcow2-backing'), 'qcow2', /backing file/, 'qcow2');
  });
  test('an external data file is refused (CVE-2024-32498)', () => {
    assertRefused(fx.bytes('qcow2-datafile'), 'qcow2', /external data file/, 'qcow2');
  });
  test('unknown incompatible feature bits are refused', () => {
    // Bit 5 and bit 63 of the big-endian incompatible-features field at 72: no qemu defines them.
    for (const patch of [[79, [0x20]], [72, [0x80]]] as Array<[number, number[]]>) {
      const path = fx.variant('qcow2', `feature-${patch[0]}`, [patch]);
      assertRefused(readFileSync(path), 'qcow2', /unknown incompatible/, 'qcow2');
    }
  });
  test('a version other than 2 or 3 is refused', () => {
    const path = fx.variant('qcow2', 'v4', [[4, [0, 0, 0, 4]]]);
    assertRefused(readFileSync(path), 'qcow2', /version 4/, 'qcow2');
  });
  test('declared raw, a qcow2 with a backing file is still refused', () => {
    assert.deepEqual(outcome(inspectBytes(fx.bytes('qcow2-backing'), 4096), 'raw'), FAILED);
  });
});

describe('vmdk', () => {
  test('a monolithicFlat descriptor file is refused (CVE-2022-47951)', () => {
    assertRefused(fx.bytes('vmdk-flat'), 'vmdk', /Unsupported VMDK subformat monolithicFlat/, 'vmdk');
  });
  test('a descriptor whose extent names a path is refused', () => {
    const bytes = fx.bytes('vmdk-sparse');
    const at = bytes.indexOf('"vmdk-sparse.img"');
    assert.ok(at > 512, 'extent line found');
    const path = fx.variant('vmdk-sparse', 'path', [[at, Buffer.from('"/etc/shadow.img"')]]);
    assertRefused(readFileSync(path), 'vmdk', /extent names a path/, 'vmdk');
  });
  test('a descriptor line of unknown shape is refused', () => {
    const bytes = fx.bytes('vmdk-sparse');
    const at = bytes.indexOf('# Extent description');
    const path = fx.variant('vmdk-sparse', 'line', [[at, Buffer.from('! Extent')]]);
    assertRefused(readFileSync(path), 'vmdk', /Invalid VMDK descriptor line/, 'vmdk');
  });
  test('a footer that disagrees with the header is refused', () => {
    const stream = fx.bytes('vmdk-stream');
    const moved = withVmdkFooter(stream, (f) => f.writeBigUInt64LE(2n, 512 + 28)); // descriptor elsewhere
    assertRefused(moved, 'vmdk', /different descriptor/, 'vmdk');
    const noEos = withVmdkFooter(stream, (f) => f.writeUInt32LE(1, 1024 + 12));
    assertRefused(noEos, 'vmdk', /end-of-stream marker/, 'vmdk');
    const chained = withVmdkFooter(stream, (f) => f.writeBigUInt64LE(0xffffffffffffffffn, 512 + 56));
    assertRefused(chained, 'vmdk', /another footer/, 'vmdk');
  });
  test('a createType outside vmdk_allowed_types is refused', () => {
    const fi = inspectBytes(fx.bytes('vmdk-stream'), 7);
    assert.deepEqual(outcome(fi, 'vmdk', 'bare', { vmdkAllowedTypes: ['monolithicSparse'] }), FAILED);
  });
});

describe('gpt / mbr', () => {
  test('a hybrid MBR (protective entry plus others) is refused, unless mbr is non-fatal', () => {
    assertRefused(fx.bytes('gpt-hybrid'), 'gpt', /defines other partitions/, 'gpt');
    const fi = inspectBytes(fx.bytes('gpt-hybrid'), 512);
    assert.deepEqual(outcome(fi, 'gpt', 'bare', { gptNonfatal: ['mbr'] }), {
      detected: 'gpt',
      virtualSize: 10 * 1024 * 1024,
    });
  });
  test('an invalid boot flag is refused', () => {
    const path = fx.variant('mbr', 'bootflag', [[446, [0x81]]]);
    assertRefused(readFileSync(path), 'gpt', /invalid boot flag/, 'gpt');
  });
  test('a protective entry that does not start at LBA 1 is refused', () => {
    const path = fx.variant('gpt', 'lba', [[446 + 8, [2, 0, 0, 0]]]);
    assertRefused(readFileSync(path), 'gpt', /start LBA/, 'gpt');
  });
  test('a protective entry with a wrong start CHS is refused', () => {
    const path = fx.variant('gpt', 'chs', [[446 + 2, [0x03]]]);
    assertRefused(readFileSync(path), 'gpt', /start CHS/, 'gpt');
  });
  test('a partition table without partitions is refused', () => {
    assertRefused(fx.bytes('mbr-empty'), 'gpt', /no partitions/, 'gpt');
  });
});

describe('other formats', () => {
  test('qed is always refused, even declared raw', () => {
    assertRefused(fx.bytes('qed'), 'qed', /not allowed/, 'qed');
    assert.deepEqual(outcome(inspectBytes(fx.bytes('qed'), 4096), 'raw'), FAILED);
  });
  test('LUKS2 is refused (qemu supports LUKS1 only)', () => {
    assertRefused(fx.bytes('luks2'), 'luks', /LUKS version 2/, 'luks');
  });
  test('a vhdx cut short of its metadata is refused as truncated', () => {
    const cut = fx.bytes('vhdx').subarray(0, 1024 * 1024);
    assertRefused(cut, 'vhdx', /truncated/, 'vhdx');
  });
  test('a qcow2 header hidden in an ISO system area: multiple formats', () => {
    const path = fx.variant('iso', 'qcow2', [[0, fx.bytes('qcow2').subarray(0, 512)]]);
    for (const size of [1, 7, 64 * 1024]) {
      const fi = inspectBytes(readFileSync(path), size);
      for (const declared of ['iso', 'qcow2', 'raw']) {
        assert.deepEqual(outcome(fi, declared), {
          error: 'unsupported_media_type',
          message: 'Multiple formats detected: iso,qcow2',
        });
      }
    }
  });
});
