/**
 * kysely's SQLite dialect with one planner safeguard for Glance's schema. Glance indexes its
 * boolean flags (`ix_*_deleted` on every soft-deleting table, `os_hidden_image_idx`), yet
 * `deleted = 0` / `os_hidden = 0` match nearly every row. Without `ANALYZE` statistics — and
 * nothing runs ANALYZE on a deployed SQLite file — SQLite takes an equality on an index as
 * selective and prefers the flag index over `image_id` or `created_at`: a show then scans every
 * live property row, a list page sorts the whole table (measured: 45 shows/s and 13 lists/s
 * at 20k images instead of thousands). Writing the column as `+deleted` (SQLite's documented
 * way to disqualify a term from index use) keeps the filter and leaves index choice to the
 * selective terms. Only comparisons with false get the `+`: `deleted = 1` (purge) and
 * `os_hidden = 1` select few rows, and there the flag index helps.
 */
import {
  SqliteDialect, SqliteQueryCompiler, type BinaryOperationNode, type OperationNode, type QueryCompiler,
} from 'kysely';

/** Boolean columns of Glance's schema that carry an index but are false on almost every row. */
const MOSTLY_FALSE_FLAGS: ReadonlySet<string> = new Set(['deleted', 'os_hidden']);

function columnName(node: OperationNode): string | undefined {
  // `where('deleted', …)` and `where('t.deleted', …)` both compile to a reference to a column.
  const n = node.kind === 'ReferenceNode' ? (node as unknown as { column: OperationNode }).column : node;
  if (n.kind !== 'ColumnNode') return undefined;
  return (n as unknown as { column: { name: string } }).column.name;
}

function comparesFlagWithFalse(node: BinaryOperationNode): boolean {
  const name = columnName(node.leftOperand);
  if (name === undefined || !MOSTLY_FALSE_FLAGS.has(name)) return false;
  const right = node.rightOperand as unknown as { kind: string; value?: unknown };
  return right.kind === 'ValueNode' && (right.value === 0 || right.value === false);
}

class FlagAwareCompiler extends SqliteQueryCompiler {
  protected override visitBinaryOperation(node: BinaryOperationNode): void {
    // Unary plus is a no-op on the value (0/1 stay 0/1) but hides the column from the planner.
    if (comparesFlagWithFalse(node)) this.append('+');
    super.visitBinaryOperation(node);
  }
}

/**
 * `SqliteDialect` whose compiled SQL writes `flag = <false>` as `+flag = <false>` for the
 * mostly-false flag columns (see the module comment); everything else compiles unchanged.
 */
export class SqliteFlagDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new FlagAwareCompiler();
  }
}
