/**
 * Glance's decision after an upload has been inspected: which format the content is, whether
 * that agrees with the image's `disk_format`, whether the content passed its format's safety
 * checks, and which virtual size to record. Failures are `UnsupportedMediaType` (415), as Glance
 * answers them; the upload service restores the image to `queued`.
 */
import { UnsupportedMediaType } from '../domain/errors.js';
import type { DiskInspector, SafetyFailure } from './disk-inspector.js';
import { VmdkInspector } from './vmdk-inspector.js';

/** The `[image_format]` options that shape the verdict. */
export interface FormatVerdictOptions {
  /** `require_image_format_match`: a content/`disk_format` mismatch is fatal. */
  requireImageFormatMatch: boolean;
  /** `gpt_safety_checks_nonfatal`: gpt check names whose failure is only logged. */
  gptNonfatal: readonly string[];
  /** `vmdk_allowed_types`: VMDK createType values accepted. */
  vmdkAllowedTypes: readonly string[];
}

/** The outcome of an accepted upload. */
export interface FormatVerdict {
  /** The detected format ('raw' when nothing more specific matched). */
  detected: string;
  /** The virtual size to store; null when it is not known or not applicable. */
  virtualSize: number | null;
  /** Safety failures tolerated by `gpt_safety_checks_nonfatal`, and mismatches tolerated by
   * `require_image_format_match=False`, for the caller to log as warnings. */
  warnings: string[];
}

/**
 * Applies Glance's rules to finished inspectors (one of them named 'raw').
 *
 * Only `container_format=bare` uploads with a `disk_format` are judged; for others the detected
 * format is reported and nothing is enforced. Rules, in order: exactly iso+gpt is a bootable
 * (hybrid) ISO and counts as iso; more than one other match is "Multiple formats detected";
 * detected = `disk_format` gives the header's virtual size; raw content under a `disk_format`
 * no inspector knows (ami, ari, aki, ploop, ...) is accepted without a virtual size; any content
 * declared raw is accepted with the byte count as virtual size; any other mismatch fails when
 * `requireImageFormatMatch`. Then the detected format's safety checks must pass (gpt failures
 * all listed in `gptNonfatal` excepted), and a vmdk's createType must be in `vmdkAllowedTypes`.
 *
 * @throws UnsupportedMediaType on multiple formats, a mismatch, or a failed safety check
 */
export function formatVerdict(
  inspectors: readonly DiskInspector[],
  diskFormat: string | null,
  containerFormat: string | null,
  opts: FormatVerdictOptions,
): FormatVerdict {
  const raw = inspectors.find((i) => i.name === 'raw');
  if (raw === undefined) throw new Error('formatVerdict needs the raw inspector');
  let matched = inspectors.filter((i) => i.name !== 'raw' && i.matches());
  // Bootable ISOs carry a partition table in their system area so they also boot from USB.
  if (matched.length === 2 && matched.some((i) => i.name === 'iso') && matched.some((i) => i.name === 'gpt')) {
    matched = matched.filter((i) => i.name === 'iso');
  }
  const names = matched.map((i) => i.name).sort();
  if (containerFormat !== 'bare' || diskFormat === null) {
    return { detected: names.length === 0 ? 'raw' : names.join(','), virtualSize: null, warnings: [] };
  }
  if (matched.length > 1) {
    // Two headers in one image is how a hostile image hides one format inside another.
    throw new UnsupportedMediaType(`Multiple formats detected: ${names.join(',')}`);
  }
  const inspector = matched[0] ?? raw;
  const detected = inspector.name;
  const warnings: string[] = [];
  const known = new Set(inspectors.map((i) => i.name));
  let virtualSize: number | null;
  if (detected === diskFormat) {
    virtualSize = inspector.virtualSize();
  } else if (detected === 'raw' && !known.has(diskFormat)) {
    virtualSize = null;
  } else if (diskFormat === 'raw') {
    warnings.push(`Image declared raw contains ${detected}; it will be used as raw`);
    virtualSize = raw.virtualSize();
  } else if (opts.requireImageFormatMatch) {
    throw new UnsupportedMediaType(`Image content (${detected}) does not match disk_format ${diskFormat}`);
  } else {
    warnings.push(`Image content (${detected}) does not match disk_format ${diskFormat}`);
    virtualSize = null;
  }
  const failures = inspector.safetyFailures();
  if (inspector instanceof VmdkInspector) failures.push(...vmdkTypeFailures(inspector, opts.vmdkAllowedTypes));
  if (failures.length > 0) {
    const reasons = failures.map((f) => `${f.check}: ${f.reason}`);
    const tolerated = detected === 'gpt' && failures.every((f) => opts.gptNonfatal.includes(f.check));
    if (!tolerated) {
      throw new UnsupportedMediaType('Image failed safety checks', {
        cause: new Error(`${detected} safety checks failed: ${reasons.join('; ')}`),
      });
    }
    warnings.push(...reasons.map((r) => `gpt safety check tolerated: ${r}`));
  }
  return { detected, virtualSize, warnings };
}

function vmdkTypeFailures(vmdk: VmdkInspector, allowed: readonly string[]): SafetyFailure[] {
  const type = vmdk.createType();
  if (type === null || allowed.includes(type)) return [];
  return [{ check: 'vmdk_type', reason: `VMDK createType ${type} is not in vmdk_allowed_types` }];
}
