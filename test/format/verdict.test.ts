/**
 * The rules Glance applies between the detected format and the image's `disk_format` /
 * `container_format`: mismatches, the raw exception, non-inspectable formats, hybrid ISOs and
 * `require_image_format_match`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnsupportedMediaType } from '../../src/domain/errors.js';
import { writeFileSync } from 'node:fs';
import { Fixtures, qemuInfo, withVmdkFooter } from './format-fixtures.js';
import { DEFAULTS, inspectBytes, inspectStream, outcome } from './inspect-helpers.js';

let fx: Fixtures;
before(() => {
  fx = new Fixtures();
});
after(() => fx.cleanup());

describe('content against disk_format', () => {
  test('qcow2 content declared vmdk: 415 format mismatch', async () => {
    const fi = await inspectStream(fx.bytes('qcow2'), 64 * 1024);
    assert.deepEqual(outcome(fi, 'vmdk'), {
      error: 'unsupported_media_type',
      message: 'Image content (qcow2) does not match disk_format vmdk',
    });
    assert.throws(() => fi.verdict('vmdk', 'bare', DEFAULTS), UnsupportedMediaType);
  });

  test('raw content declared qcow2: 415 format mismatch', () => {
    const fi = inspectBytes(fx.bytes('raw'), 7);
    assert.deepEqual(outcome(fi, 'qcow2'), {
      error: 'unsupported_media_type',
      message: 'Image content (raw) does not match disk_format qcow2',
    });
  });

  test('qcow2 content declared raw: accepted, virtual size = byte size, with a warning', () => {
    const bytes = fx.bytes('qcow2');
    const fi = inspectBytes(bytes, 7);
    const v = fi.verdict('raw', 'bare', DEFAULTS);
    assert.equal(v.detected, 'qcow2');
    assert.equal(v.virtualSize, bytes.length);
    assert.notEqual(v.virtualSize, qemuInfo(fx.path('qcow2')).virtualSize);
    assert.match(v.warnings.join(), /declared raw contains qcow2/);
  });

  test('an iso declared raw is accepted as raw bytes', () => {
    const bytes = fx.bytes('iso-hybrid');
    assert.deepEqual(outcome(inspectBytes(bytes, 7), 'raw'), { detected: 'iso', virtualSize: bytes.length });
  });

  test('a hybrid ISO (iso + gpt) counts as iso', () => {
    const fi = inspectBytes(fx.bytes('iso-hybrid'), 1);
    assert.deepEqual(fi.matchedFormats().sort(), ['gpt', 'iso']);
    assert.deepEqual(outcome(fi, 'iso'), { detected: 'iso', virtualSize: qemuInfo(fx.path('iso-hybrid')).virtualSize });
    assert.equal(outcome(fi, 'gpt').hasOwnProperty('error'), true, 'as iso, it does not match gpt');
  });

  test('raw content under a disk_format no inspector knows (ami, ari, aki, ploop) is accepted', () => {
    const fi = inspectBytes(fx.bytes('raw'), 64 * 1024);
    for (const format of ['ami', 'ari', 'aki', 'ploop']) {
      assert.deepEqual(outcome(fi, format), { detected: 'raw', virtualSize: null }, format);
    }
  });

  test('recognised content under a non-inspectable disk_format is a mismatch', () => {
    const fi = inspectBytes(fx.bytes('qcow2'), 64 * 1024);
    assert.deepEqual(outcome(fi, 'ami'), {
      error: 'unsupported_media_type',
      message: 'Image content (qcow2) does not match disk_format ami',
    });
  });

  test('require_image_format_match=False lets a mismatch through without a virtual size', () => {
    const fi = inspectBytes(fx.bytes('qcow2'), 64 * 1024);
    const v = fi.verdict('vmdk', 'bare', { ...DEFAULTS, requireImageFormatMatch: false });
    assert.deepEqual({ detected: v.detected, virtualSize: v.virtualSize }, { detected: 'qcow2', virtualSize: null });
    assert.match(v.warnings.join(), /does not match disk_format vmdk/);
  });

  test('require_image_format_match=False does not waive safety checks', () => {
    const fi = inspectBytes(fx.bytes('qcow2-datafile'), 64 * 1024);
    assert.deepEqual(outcome(fi, 'vmdk', 'bare', { requireImageFormatMatch: false }), {
      error: 'unsupported_media_type',
      message: 'Image failed safety checks',
    });
  });

  test('the safety failure explains itself to the logs through the error cause', () => {
    const fi = inspectBytes(fx.bytes('qcow2-backing'), 64 * 1024);
    try {
      fi.verdict('qcow2', 'bare', DEFAULTS);
      assert.fail('must throw');
    } catch (err) {
      assert.ok(err instanceof UnsupportedMediaType);
      assert.match(String((err.cause as Error).message), /backing_file: Image has a backing file/);
    }
  });
});

describe('what is not judged', () => {
  test('only container_format=bare is inspected: ovf with a backing-file qcow2 passes', () => {
    const fi = inspectBytes(fx.bytes('qcow2-backing'), 64 * 1024);
    for (const container of ['ovf', 'ova', 'docker', 'ami', 'compressed', null]) {
      assert.deepEqual(outcome(fi, 'qcow2', container), { detected: 'qcow2', virtualSize: null }, String(container));
    }
  });

  test('no disk_format: nothing is enforced', () => {
    const fi = inspectBytes(fx.bytes('qcow2'), 64 * 1024);
    assert.deepEqual(outcome(fi, null), { detected: 'qcow2', virtualSize: null });
  });

  test('an empty upload is raw with virtual size 0', () => {
    assert.deepEqual(outcome(inspectBytes(Buffer.alloc(0), 1), 'raw'), { detected: 'raw', virtualSize: 0 });
  });

  test('a qcow2 cut short of its 512-byte header is not qcow2', () => {
    const fi = inspectBytes(fx.bytes('qcow2').subarray(0, 100), 1);
    assert.deepEqual(fi.matchedFormats(), []);
    assert.deepEqual(outcome(fi, 'raw'), { detected: 'raw', virtualSize: 100 });
  });

  test('a vmdk footer that agrees with the header is accepted, and qemu-img reads it the same', () => {
    const bytes = withVmdkFooter(fx.bytes('vmdk-stream'));
    const path = fx.scratch('footer.vmdk');
    writeFileSync(path, bytes);
    const expected = qemuInfo(path);
    assert.equal(expected.format, 'vmdk');
    for (const size of [1, 7, 64 * 1024]) {
      assert.deepEqual(outcome(inspectBytes(bytes, size), 'vmdk'), { detected: 'vmdk', virtualSize: expected.virtualSize });
    }
  });
});
