/**
 * Alembic's revision bookkeeping, reimplemented for Glance's two-branch chain: which revisions a
 * set of heads implies, the order to apply the missing ones, and how `alembic_version` changes
 * after each step.
 *
 * What alembic does (and so what real Glance leaves in `alembic_version`): a `depends_on` counts
 * as a parent for version-table purposes. Upgrading a database at `2024_1_expand01` to the
 * contract head first INSERTs `ocata_contract01` (none of its parents, `mitaka02` and
 * `ocata_expand01`, is a head: both are ancestors of the expand head), so during the contract
 * phase the table holds two rows (the expand head and the current contract revision); the last
 * step, `2024_1_contract01`, has both rows as parents and merges them into one row. A fully synced
 * database therefore holds only `2024_1_contract01`, and one synced by Zed only `wallaby_contract01`.
 */
import type { Revision } from './migrations/revision.js';

/** How one applied step changes `alembic_version`. */
export interface VersionChange {
  /** Rows to delete. */
  delete: string[];
  /** A row whose value changes, or null. */
  update: { from: string; to: string } | null;
  /** A row to insert, or null. */
  insert: string | null;
}

/** The revision graph. Construct once per command from the revision list. */
export class RevisionGraph {
  private readonly byId = new Map<string, Revision>();

  constructor(revisions: readonly Revision[]) {
    for (const r of revisions) this.byId.set(r.id, r);
  }

  /** The revision called `id`; throws for an unknown id (e.g. a newer Glance's head). */
  get(id: string): Revision {
    const r = this.byId.get(id);
    if (!r) throw new Error(`Can't locate revision identified by '${id}'`);
    return r;
  }

  /** True when `id` is a known revision. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Parents for version-table purposes: down revision plus dependency (unless redundant). */
  parents(r: Revision): string[] {
    const out = r.down ? [r.down] : [];
    if (r.dependsOn && !(r.down && this.ancestors(r.down).has(r.dependsOn))) out.push(r.dependsOn);
    return out;
  }

  /** `id` and everything it (transitively) builds on, through down revisions and dependencies. */
  ancestors(id: string): Set<string> {
    const seen = new Set<string>();
    const stack = [id];
    while (stack.length) {
      const cur = stack.pop()!;
      if (seen.has(cur)) continue;
      seen.add(cur);
      const r = this.get(cur);
      if (r.down) stack.push(r.down);
      if (r.dependsOn) stack.push(r.dependsOn);
    }
    return seen;
  }

  /** Every revision applied in a database whose `alembic_version` holds `heads`. */
  applied(heads: readonly string[]): Set<string> {
    const all = new Set<string>();
    for (const h of heads) for (const a of this.ancestors(h)) all.add(a);
    return all;
  }

  /**
   * The revisions to run, in order, to bring `heads` up to every id of `targets`: depth first,
   * a revision's down revision before its dependency before itself (alembic's order for
   * Glance's chain).
   */
  plan(heads: readonly string[], targets: readonly string[]): Revision[] {
    const done = this.applied(heads);
    const out: Revision[] = [];
    const visit = (id: string) => {
      if (done.has(id)) return;
      const r = this.get(id);
      if (r.down) visit(r.down);
      if (r.dependsOn) visit(r.dependsOn);
      if (done.has(id)) return;
      done.add(id);
      out.push(r);
    };
    for (const t of targets) visit(t);
    return out;
  }

  /** How `alembic_version` (currently `heads`) changes once `r` has been applied. */
  change(heads: readonly string[], r: Revision): VersionChange {
    const present = this.parents(r).filter((p) => heads.includes(p));
    if (present.length === 0) return { delete: [], update: null, insert: r.id };
    const [first, ...rest] = present;
    return { delete: rest, update: { from: first!, to: r.id }, insert: null };
  }

  /** Applies `change` to an in-memory head list (same order rules as the table). */
  static applyChange(heads: readonly string[], change: VersionChange): string[] {
    let out = heads.filter((h) => !change.delete.includes(h));
    if (change.update) out = out.map((h) => (h === change.update!.from ? change.update!.to : h));
    if (change.insert) out.push(change.insert);
    return out;
  }

  /** The "from" side alembic prints: the down revision only, without dependencies. */
  static fromLabel(r: Revision): string {
    return r.down ?? '';
  }
}
