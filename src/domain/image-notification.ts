/**
 * The payload of the `image.create`, `image.update` and `image.delete` notifications
 * (inventory §11). Locations are left out on purpose: their URLs may carry credentials.
 */
import type { Image } from './image.js';
import { isoTime } from './image-view.js';

/** The image events that carry the plain image payload. */
export type ImageEvent = 'image.create' | 'image.update' | 'image.delete' | 'image.activate';

/** The notification payload of an image, in Glance's key order. */
export interface ImageNotificationPayload {
  id: string;
  name: string | null;
  status: string;
  created_at: string | null;
  updated_at: string | null;
  min_disk: number;
  min_ram: number;
  protected: boolean;
  checksum: string | null;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  virtual_size: number | null;
  is_public: boolean;
  visibility: string;
  properties: Record<string, string | null>;
  tags: string[];
  deleted: boolean;
  deleted_at: string | null;
}

/**
 * Builds the payload for `event`. For `image.delete`, `deleted` is true and `deleted_at` is
 * `now` (Glance stamps the moment of the notification, not the row's value).
 */
export function imageNotification(image: Image, event: ImageEvent, now: Date = new Date()): ImageNotificationPayload {
  const deleting = event === 'image.delete';
  return {
    id: image.id,
    name: image.name,
    status: image.status,
    created_at: isoTime(image.created_at),
    updated_at: isoTime(image.updated_at),
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    protected: image.protected,
    checksum: image.checksum,
    owner: image.owner,
    disk_format: image.disk_format,
    container_format: image.container_format,
    size: image.size,
    virtual_size: image.virtual_size,
    is_public: image.visibility === 'public',
    visibility: image.visibility,
    properties: { ...image.properties },
    tags: [...image.tags],
    deleted: deleting,
    deleted_at: deleting ? isoTime(now) : null,
  };
}
