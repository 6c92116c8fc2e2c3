/**
 * The legacy per-image count quotas of `[DEFAULT]` (inventory §4.4): extra properties and tags.
 * Over-quota is 413 with a plain-text body (Glance builds these with `text/plain`).
 */
import { TooLarge } from './errors.js';
import { isReservedNamespace } from './image.js';
import type { Image } from './image.js';

/** The quota options; a negative value means unlimited. */
export interface ImageCountQuotas {
  /** `image_property_quota` (default 128). */
  imagePropertyQuota: number;
  /** `image_tag_quota` (default 128). */
  imageTagQuota: number;
}

/** The number of extra properties that count against the quota (Glance's own `os_glance*` do not). */
export function countedProperties(image: Pick<Image, 'properties'>): number {
  return Object.keys(image.properties).filter((k) => !isReservedNamespace(k)).length;
}

/** Throws 413 when `image` carries more counted extra properties than `quota` allows. */
export function assertPropertyQuota(image: Pick<Image, 'properties'>, quota: number): void {
  const attempted = countedProperties(image);
  if (quota >= 0 && attempted > quota) {
    throw new TooLarge(
      'The limit has been exceeded on the number of allowed image properties. '
        + `Attempted: ${attempted}, Maximum: ${quota}`,
      { forcePlain: true },
    );
  }
}

/** Throws 413 when a tag set of `attempted` tags exceeds `quota`. */
export function assertTagQuota(attempted: number, quota: number): void {
  if (quota >= 0 && attempted > quota) {
    throw new TooLarge(
      `The limit has been exceeded on the number of allowed image tags. Attempted: ${attempted}, Maximum: ${quota}`,
      { forcePlain: true },
    );
  }
}
