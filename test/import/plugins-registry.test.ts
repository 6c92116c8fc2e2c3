/**
 * From a glance-image-import.conf to running plugins: the slice reads the options with
 * oslo.config's syntax, the registry builds the plugins in the configured order and refuses
 * unknown names, and the two option-only plugins (no_op, inject_image_metadata) behave as
 * Glance's do.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { importPluginsSlice, type ImportPluginsConfig } from '../../src/config/slices.js';
import { InjectMetadataPlugin } from '../../src/import/plugins/inject-metadata-plugin.js';
import { NoOpPlugin } from '../../src/import/plugins/no-op-plugin.js';
import { buildImportPlugins } from '../../src/import/plugins/plugin-registry.js';
import { StagingDir } from './plugin-context.js';

let staging: StagingDir;
before(() => {
  staging = new StagingDir();
});
after(() => staging.cleanup());

function sliceFrom(conf: string): ImportPluginsConfig {
  const path = staging.scratch(`glance-image-import-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(path, conf);
  return importPluginsSlice(loadConfig({ configFiles: [path], configDirs: [] }));
}

describe('configuration', () => {
  test('defaults: no plugin, raw output, admin ignored, nothing injected', () => {
    const slice = importPluginsSlice(loadConfig({ configFiles: [], configDirs: [] }));
    assert.deepEqual(slice, {
      plugins: [],
      conversionOutputFormat: 'raw',
      injectProperties: {},
      ignoreUserRoles: ['admin'],
      vmdkAllowedTypes: ['streamOptimized', 'monolithicSparse'],
      gptSafetyChecksNonfatal: [],
      imageSizeCap: 1099511627776,
    });
    assert.deepEqual(buildImportPlugins(slice), []);
  });

  test('a glance-image-import.conf as the install guide writes it', () => {
    const slice = sliceFrom([
      '[DEFAULT]',
      'image_size_cap = 2048',
      '[image_import_opts]',
      "image_import_plugins = ['image_decompression', image_conversion, 'no_op', inject_image_metadata]",
      '[image_conversion]',
      'output_format = qcow2',
      '[inject_metadata_properties]',
      'ignore_user_roles = admin,Operator',
      'inject = hw_vif_model:virtio,os_distro:cirros',
      '',
    ].join('\n'));
    assert.deepEqual(slice.plugins, ['image_decompression', 'image_conversion', 'no_op', 'inject_image_metadata']);
    assert.equal(slice.conversionOutputFormat, 'qcow2');
    assert.deepEqual(slice.injectProperties, { hw_vif_model: 'virtio', os_distro: 'cirros' });
    assert.deepEqual(slice.ignoreUserRoles, ['admin', 'Operator']);
    assert.equal(slice.imageSizeCap, 2048);
    assert.deepEqual(buildImportPlugins(slice).map((p) => p.name), slice.plugins);
  });

  test('an output_format qemu-img is not offered for is a configuration error', () => {
    assert.throws(() => sliceFrom('[image_conversion]\noutput_format = vhd\n'), ConfigError);
  });

  test('an unknown plugin name stops start-up, naming it and the known ones', () => {
    const slice = sliceFrom('[image_import_opts]\nimage_import_plugins = [no_op, web_download]\n');
    assert.throws(() => buildImportPlugins(slice), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /unknown import plugin "web_download" \(known: no_op, image_conversion, image_decompression, inject_image_metadata\)/);
      return true;
    });
  });
});

describe('no_op', () => {
  test('logs and changes nothing', async () => {
    const { ctx, changes, logs } = staging.stage(Buffer.from('data'), { disk_format: 'raw', container_format: 'bare' });
    await new NoOpPlugin().run(ctx);
    assert.deepEqual(changes, []);
    assert.deepEqual(logs, [{ level: 'info', msg: 'no_op import plugin ran' }]);
  });
});

describe('inject_image_metadata', () => {
  const inject = new InjectMetadataPlugin({
    properties: { hw_vif_model: 'virtio', os_glance_import_task: 'forged', owner_specified: 'yes' },
    ignoreUserRoles: ['admin', 'Operator'],
  });
  const formats = { disk_format: 'raw', container_format: 'bare' };

  test('a member gets the properties; reserved os_glance keys are dropped with a warning', async () => {
    const { ctx, changes, logs } = staging.stage(Buffer.from('x'), formats, { roles: ['member', 'reader'] });
    await inject.run(ctx);
    assert.deepEqual(changes, [{ properties: { hw_vif_model: 'virtio', owner_specified: 'yes' } }]);
    assert.deepEqual(logs.map((l) => l.level), ['warn']);
  });

  for (const roles of [['admin'], ['member', 'operator']]) {
    test(`a caller with roles ${roles.join(',')} gets nothing`, async () => {
      const { ctx, changes } = staging.stage(Buffer.from('x'), formats, { roles });
      await inject.run(ctx);
      assert.deepEqual(changes, []);
    });
  }

  test('with nothing to inject no change is recorded', async () => {
    const { ctx, changes } = staging.stage(Buffer.from('x'), formats);
    await new InjectMetadataPlugin({ properties: {}, ignoreUserRoles: ['admin'] }).run(ctx);
    assert.deepEqual(changes, []);
  });
});
