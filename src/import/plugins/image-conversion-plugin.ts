/**
 * `image_conversion`: converts the staged image to `[image_conversion] output_format` with
 * qemu-img, after making sure the file is what the image claims to be and is safe to open.
 *
 * Order, as in Glance: (1) glance-ts's inspectors must detect exactly the declared `disk_format`
 * (a partition table counts as raw; an ISO is never converted) and the format's safety checks
 * must pass, vmdk createType within `[image_format] vmdk_allowed_types`; (2) `qemu-img info` of
 * the file read as that format must agree on the format and report no backing file, no external
 * data file and an allowed vmdk createType; (3) if the image is already in the output format it
 * stays as it is (only its virtual size is recorded); else (4) `qemu-img convert` writes
 * `<staging>.<format>`, which replaces the staged file, and the image gets the new disk_format,
 * container_format `bare` and the converted file's virtual size.
 */
import { rename, rm } from 'node:fs/promises';
import { UnsupportedMediaType } from '../../domain/errors.js';
import { formatVerdict, type FormatVerdict } from '../../format/format-verdict.js';
import type { ImportPlugin, ImportPluginContext } from './import-plugin.js';
import { QemuImg, qemuDriver, type QemuImgInfo } from './qemu-img.js';
import { inspectStagedFile } from './staged-file-inspection.js';

/** The formats `[image_conversion] output_format` accepts. */
export type ConversionFormat = 'raw' | 'qcow2' | 'vmdk';

/** What the plugin is built from. */
export interface ImageConversionOptions {
  /** `[image_conversion] output_format`. */
  outputFormat: ConversionFormat;
  /** `[image_format] vmdk_allowed_types`. */
  vmdkAllowedTypes: readonly string[];
  /** `[image_format] gpt_safety_checks_nonfatal`. */
  gptSafetyChecksNonfatal: readonly string[];
  /** Runs qemu-img (default: a QemuImg with its default timeouts). */
  qemuImg?: QemuImg;
}

/** Converts staged images to the configured output format; see the module comment for the rules. */
export class ImageConversionPlugin implements ImportPlugin {
  readonly name = 'image_conversion';
  private readonly qemuImg: QemuImg;

  constructor(private readonly opts: ImageConversionOptions) {
    this.qemuImg = opts.qemuImg ?? new QemuImg();
  }

  async run(ctx: ImportPluginContext): Promise<void> {
    try {
      await this.convert(ctx);
    } catch (err) {
      // Reading the file or running qemu-img fails in its own way when aborted; callers
      // recognise a cancellation by the signal's reason.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw err;
    }
  }

  private async convert(ctx: ImportPluginContext): Promise<void> {
    const source = ctx.image.disk_format;
    if (source === null) throw new UnsupportedMediaType('The image has no disk_format, so it cannot be converted');
    const target = this.opts.outputFormat;
    const detected = await this.inspect(ctx, source);
    if (detected === 'iso') {
      if (source === 'iso') return;
      throw new UnsupportedMediaType(`Image claimed to be ${source} is an ISO image; refusing to convert it`);
    }
    if (detected !== source) {
      throw new UnsupportedMediaType(`Image format mismatch: disk_format is ${source} but the data is ${detected}`);
    }
    const driver = qemuDriver(source);
    const info = await this.qemuImg.info(ctx.stagingPath, driver, ctx.signal);
    this.crossCheck(info, driver);
    if (source === target) {
      ctx.update({ virtual_size: info.virtualSize });
      ctx.log.info({ image_id: ctx.image.id }, `Image is already ${target}; not converting it`);
      return;
    }
    const dest = `${ctx.stagingPath}.${target}`;
    try {
      await this.qemuImg.convert(ctx.stagingPath, driver, dest, qemuDriver(target), ctx.signal);
      const converted = await this.qemuImg.info(dest, qemuDriver(target), ctx.signal);
      await rename(dest, ctx.stagingPath);
      ctx.update({ disk_format: target, container_format: 'bare', virtual_size: converted.virtualSize });
      ctx.log.info({ image_id: ctx.image.id, virtual_size: converted.virtualSize }, `Converted image from ${source} to ${target}`);
    } finally {
      // After a successful rename there is nothing left at `dest`; after a failure this removes
      // qemu-img's partial output, and the staged file was never touched.
      await rm(dest, { force: true });
    }
  }

  /**
   * The detected format of the staged file, after the declared-format and safety rules of
   * `formatVerdict` (run as for a `bare` container so they always apply). A partition table is
   * reported as raw, as Glance considers it.
   */
  private async inspect(ctx: ImportPluginContext, declared: string): Promise<string> {
    const inspectors = await inspectStagedFile(ctx.stagingPath, ctx.signal);
    let verdict: FormatVerdict;
    try {
      verdict = formatVerdict(inspectors, declared, 'bare', {
        requireImageFormatMatch: true,
        gptNonfatal: this.opts.gptSafetyChecksNonfatal,
        vmdkAllowedTypes: this.opts.vmdkAllowedTypes,
      });
    } catch (err) {
      // The verdict keeps the failed checks in `cause` (an upload's 415 body stays terse); the
      // task message is the only place an importer can learn them, so they go in the message.
      const cause = err instanceof Error ? err.cause : undefined;
      if (err instanceof UnsupportedMediaType && cause instanceof Error) {
        throw new UnsupportedMediaType(`${err.message}: ${cause.message}`, { cause });
      }
      throw err;
    }
    for (const warning of verdict.warnings) ctx.log.warn({ image_id: ctx.image.id }, warning);
    return verdict.detected === 'gpt' ? 'raw' : verdict.detected;
  }

  /** qemu-img's own reading must not contradict the inspectors or reveal external files. */
  private crossCheck(info: QemuImgInfo, driver: string): void {
    if (info.format !== driver) {
      throw new UnsupportedMediaType(`Image metadata disagrees about format: qemu-img reads ${driver} data as ${info.format}`);
    }
    if (info.backingFilename !== null) throw new UnsupportedMediaType('Images with a backing file are not allowed');
    if (info.dataFile !== null) throw new UnsupportedMediaType('QCOW2 images with an external data file are not allowed');
    if (driver === 'vmdk') {
      const type = info.vmdkCreateType;
      if (type === null) throw new UnsupportedMediaType('Unable to determine the VMDK create-type');
      if (!this.opts.vmdkAllowedTypes.includes(type)) {
        throw new UnsupportedMediaType(`VMDK create-type ${type} is not in vmdk_allowed_types`);
      }
    }
  }
}
