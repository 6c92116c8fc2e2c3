/**
 * Builds the real application from a glance-api.conf written by a test: loads it, creates the
 * schema with `syncSchema` (as `glance-manage db_sync` would), and captures the JSON log lines
 * so tests can read back the notifications the `log` driver writes.
 */
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { databaseSlice } from '../../src/config/slices.js';
import { openDatabase } from '../../src/db/database.js';
import { syncSchema } from '../../src/db/migrate.js';
import type { Notification } from '../../src/notify/notifier.js';

/** The built app and the notifications logged so far. */
export interface ConfigApp {
  app: App;
  notifications(): Notification[];
  /** Every log line written so far, as written. */
  logLines(): string[];
}

/** Builds the app of `confFile` on a freshly synced database. */
export async function buildAppFromConfigFile(confFile: string): Promise<ConfigApp> {
  const config = loadConfig({ configFiles: [confFile], configDirs: [] });
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(line); } });
  const database = await openDatabase(databaseSlice(config));
  try {
    await syncSchema(database);
  } finally {
    await database.close();
  }
  const app = await buildApp(config, { logger, prepare: false });
  return {
    app,
    logLines: () => lines,
    notifications: () => lines
      .map((l) => JSON.parse(l) as { notification?: Notification })
      .flatMap((l) => (l.notification ? [l.notification] : [])),
  };
}
