/**
 * The `os_glance_*` bookkeeping properties of an import, as Glance keeps them on the image:
 * the lock (`os_glance_import_task` = the task id), the stores still to fill
 * (`os_glance_importing_to_stores`) and those that failed (`os_glance_failed_import`), both
 * comma-separated, and the node holding staged data (`os_glance_stage_host`).
 */

/** The import lock: the id of the task that owns the image's import. */
export const IMPORT_LOCK = 'os_glance_import_task';
/** Stores an import is still writing to. */
export const IMPORTING_TO_STORES = 'os_glance_importing_to_stores';
/** Stores an import failed to write to. */
export const FAILED_IMPORT = 'os_glance_failed_import';
/** The `worker_self_reference_url` of the node that staged the image. */
export const STAGE_HOST = 'os_glance_stage_host';

type Properties = Record<string, string | null>;

/**
 * The other API node holding the image's staged data, or null when this node (`selfUrl`, its
 * `worker_self_reference_url` or `public_endpoint`) holds it or nobody recorded one.
 */
export function stagedElsewhere(properties: Properties, selfUrl: string | null): string | null {
  const host = properties[STAGE_HOST];
  return typeof host === 'string' && host !== '' && host !== selfUrl ? host : null;
}

function list(value: string | null | undefined): string[] {
  return (value ?? '').split(',').filter((s) => s !== '');
}

/** `properties` with `stores` removed from both store lists; the same object when nothing changed. */
export function removeFromList(properties: Properties, stores: string[]): Properties {
  let out = properties;
  for (const key of [IMPORTING_TO_STORES, FAILED_IMPORT]) {
    if (!(key in properties)) continue;
    const kept = list(properties[key]).filter((s) => !stores.includes(s));
    if (kept.length !== list(properties[key]).length) out = { ...out, [key]: kept.join(',') };
  }
  return out;
}

/** `properties` at the start of an import to `stores`: added to the importing list, out of the failed list, stage host dropped. */
export function startImport(properties: Properties, stores: string[]): Properties {
  const { [STAGE_HOST]: _host, ...rest } = properties;
  const importing = [...new Set([...list(rest[IMPORTING_TO_STORES]), ...stores])];
  return { ...rest, [IMPORTING_TO_STORES]: importing.join(','), [FAILED_IMPORT]: list(rest[FAILED_IMPORT]).filter((s) => !stores.includes(s)).join(',') };
}

/** `properties` once `store` is done: out of the importing list, and into the failed list if it failed. */
export function storeDone(properties: Properties, store: string, failed: boolean): Properties {
  const importing = list(properties[IMPORTING_TO_STORES]).filter((s) => s !== store).join(',');
  const failedList = list(properties[FAILED_IMPORT]).filter((s) => s !== store);
  if (failed) failedList.push(store);
  return { ...properties, [IMPORTING_TO_STORES]: importing, [FAILED_IMPORT]: failedList.join(',') };
}
