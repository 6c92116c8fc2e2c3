/**
 * The database layer's own rate for the benchmark's queries: `ImageRepo.get` / `ImageRepo.list`
 * called back to back in this process on the same SQLite file the server uses. Nothing of HTTP,
 * routing, views or JSON is involved, so this is the ceiling the server's rate is compared with.
 */
import { openDatabase, type Database } from '../../src/db/database.js';
import { ImageRepo, type ImageListScope } from '../../src/db/repos/image-repo.js';
import { parseListQuery } from '../../src/services/list-query.js';

/** One repository operation of a scenario. */
export type RepoOp = { kind: 'get'; ids: string[] } | { kind: 'list'; params: [string, string][] };

/** The scope of an unauthenticated (noauth) request: admin, no project, as the server runs it. */
const NOAUTH_SCOPE: ImageListScope = { isAdmin: true, projectId: null };
// Glance's defaults for limit_param_default / api_limit_max.
const PAGING = { limitParamDefault: 25, apiLimitMax: 1000 };

/** Rate of one measured loop. */
export interface CeilingFigures {
  perSecond: number;
  /** Operations per CPU-second of this process (user + system): one core's capacity. */
  perCpuSecond: number;
}

/** Repository access to the benchmark database; close it when done. */
export class DbCeiling {
  private constructor(private readonly database: Database, private readonly repo: ImageRepo) {}

  /** Opens `dbPath` the way the server does (WAL, busy timeout). */
  static async open(dbPath: string): Promise<DbCeiling> {
    const database = await openDatabase({
      connection: `sqlite:///${dbPath}`, maxPoolSize: 5, maxOverflow: 50, poolTimeout: null,
      connectionRecycleTime: 3600, maxRetries: 0, retryInterval: 1, mysqlSqlMode: '',
    });
    return new DbCeiling(database, new ImageRepo(database));
  }

  /**
   * Runs `op` sequentially for `warmupMs` (discarded) then `durationMs`, and returns the
   * operations per second and per CPU-second of the measured part. Call it while nothing else
   * runs in this process. Throws if an operation finds nothing (a broken scenario would
   * otherwise look fast).
   */
  async measure(op: RepoOp, warmupMs: number, durationMs: number): Promise<CeilingFigures> {
    const run = this.operation(op);
    const until = (ms: number) => performance.now() + ms;
    for (const end = until(warmupMs); performance.now() < end;) await run();
    let n = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const end = start + durationMs;
    while (performance.now() < end) {
      await run();
      n++;
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { perSecond: n / seconds, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6) };
  }

  /** Releases the database handle. */
  close(): Promise<void> {
    return this.database.close();
  }

  private operation(op: RepoOp): () => Promise<void> {
    if (op.kind === 'get') {
      const ids = op.ids;
      return async () => {
        const image = await this.repo.get(ids[Math.floor(Math.random() * ids.length)]!);
        if (!image) throw new Error('benchmark image vanished');
      };
    }
    // The query string is parsed once: parsing is the service's work, not the database layer's.
    const query = parseListQuery(op.params, PAGING);
    return async () => {
      const page = await this.repo.list(query, NOAUTH_SCOPE);
      if (page.length === 0) throw new Error(`empty page for ${JSON.stringify(op.params)}`);
    };
  }
}
