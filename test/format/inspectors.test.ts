/**
 * Every inspector against images made by the real tools: it must recognise its format (and only
 * its format must), report the virtual size qemu-img reports, and find nothing unsafe in a benign
 * image — whatever size the chunks come in.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatInspector } from '../../src/format/format-inspector.js';
import { Fixtures, qemuInfo } from './format-fixtures.js';
import { DEFAULTS, inspectBytes, inspectStream, outcome } from './inspect-helpers.js';

const CHUNK_SIZES = [1, 7, 64 * 1024];

// fixture → [format detected, disk_format to declare]; qemu-img's virtual size is the oracle.
const BENIGN: Array<[string, string]> = [
  ['raw', 'raw'],
  ['qcow2', 'qcow2'],
  ['qcow2-v2', 'qcow2'],
  ['qcow2-cirros', 'qcow2'],
  ['vmdk-sparse', 'vmdk'],
  ['vmdk-stream', 'vmdk'],
  ['vhd', 'vhd'],
  ['vhdx', 'vhdx'],
  ['vdi', 'vdi'],
  ['luks', 'luks'],
  ['iso', 'iso'],
  ['iso-hybrid', 'iso'],
  ['gpt', 'gpt'],
  ['mbr', 'gpt'],
];

let fx: Fixtures;
before(() => {
  fx = new Fixtures();
});
after(() => fx.cleanup());

describe('benign images made by real tools', () => {
  for (const [name, format] of BENIGN) {
    test(`${name}: detected as ${format}, virtual size as qemu-img says, safe`, () => {
      const bytes = fx.bytes(name);
      const expected = qemuInfo(fx.path(name)).virtualSize;
      for (const size of CHUNK_SIZES) {
        const fi = inspectBytes(bytes, size);
        const label = `${name} in ${size}-byte chunks`;
        assert.deepEqual(outcome(fi, format), { detected: format, virtualSize: expected }, label);
        const inspector = fi.inspectors.find((i) => i.name === format)!;
        assert.deepEqual(inspector.safetyCheck(), [], label);
        assert.equal(inspector.virtualSize(), expected, label);
      }
    });
  }

  test('the cirros-shaped qcow2 has the guide image virtual size', () => {
    assert.equal(qemuInfo(fx.path('qcow2-cirros')).virtualSize, 46137344);
    const fi = inspectBytes(fx.bytes('qcow2-cirros'), 64 * 1024);
    assert.deepEqual(outcome(fi, 'qcow2'), { detected: 'qcow2', virtualSize: 46137344 });
  });

  test('exactly one non-raw format matches each image, except the hybrid iso (iso + gpt)', () => {
    for (const [name, format] of BENIGN) {
      const fi = inspectBytes(fx.bytes(name), 64 * 1024);
      const expected = name === 'iso-hybrid' ? ['gpt', 'iso'] : format === 'raw' ? [] : [format];
      assert.deepEqual(fi.matchedFormats().sort(), expected, name);
    }
  });

  test('qed is recognised, sized like qemu-img does, and always refused', () => {
    const fi = inspectBytes(fx.bytes('qed'), 7);
    const qed = fi.inspectors.find((i) => i.name === 'qed')!;
    assert.equal(qed.matches(), true);
    assert.equal(qed.virtualSize(), qemuInfo(fx.path('qed')).virtualSize);
    assert.deepEqual(qed.safetyCheck(), ['The qed format is not allowed']);
  });

  test('a FAT volume boot record is not taken for a partition table', () => {
    const fi = inspectBytes(fx.bytes('fat'), 7);
    assert.deepEqual(fi.matchedFormats(), []);
    assert.deepEqual(outcome(fi, 'raw'), { detected: 'raw', virtualSize: 10 * 1024 * 1024 });
  });

  test('a fixed vhd is raw bytes with a trailing footer: detected as raw, as Glance does', () => {
    const bytes = fx.bytes('vhd-fixed');
    const fi = inspectBytes(bytes, 64 * 1024);
    assert.deepEqual(fi.matchedFormats(), []);
    assert.deepEqual(outcome(fi, 'raw'), { detected: 'raw', virtualSize: bytes.length });
  });
});

describe('through a stream pipeline', () => {
  for (const size of [7, 64 * 1024]) {
    test(`${size}-byte chunks pass through unchanged and are inspected`, async () => {
      for (const [name, format] of [['qcow2', 'qcow2'], ['vmdk-stream', 'vmdk'], ['vhdx', 'vhdx'], ['iso', 'iso']]) {
        const fi = await inspectStream(fx.bytes(name!), size);
        const expected = qemuInfo(fx.path(name!)).virtualSize;
        assert.deepEqual(outcome(fi, format!), { detected: format, virtualSize: expected }, `${name} / ${size}`);
      }
    });
  }

  test('the verdict is refused before the stream has ended', () => {
    const fi = inspectBytes(Buffer.alloc(0), 1);
    assert.deepEqual(outcome(fi, 'raw'), { detected: 'raw', virtualSize: 0 });
    const open = new FormatInspector();
    open.inspectChunk(Buffer.alloc(10));
    assert.throws(() => open.verdict('raw', 'bare', DEFAULTS), /has not ended/);
  });

  test('inspection stops early: after the metadata only the byte count is kept', () => {
    const fi = inspectBytes(Buffer.alloc(0), 1);
    assert.equal(fi.inspecting, false);
    const live = new FormatInspector();
    assert.equal(live.inspecting, true);
    live.inspectChunk(Buffer.alloc(64 * 1024));
    assert.equal(live.inspecting, false, 'a zero-filled 64 KiB rules out every format');
  });
});
