/**
 * Reads the box tables the OpenStack clients print (prettytable in glanceclient, cliff in
 * openstackclient) with their header, so tests can check a table's exact shape — its columns
 * and rows — and not only the values parseTable extracts.
 */

/** A printed table: the header cells, and each data row as header → cell. */
export interface ListTable {
  columns: string[];
  rows: Record<string, string>[];
}

/** Splits `| a | b |` into trimmed cells; null for border and non-table lines. */
function cells(line: string): string[] | null {
  const t = line.trimEnd();
  if (!t.startsWith('|') || !t.endsWith('|') || t.length < 2) return null;
  return t.slice(1, -1).split('|').map((c) => c.trim());
}

/**
 * Parses the first table in `out`. The first `|` row is the header; the others are data rows.
 * A row whose first cell is empty continues the previous row (a wrapped long value, as glanceclient
 * prints `os_hash_value`) and is appended to it. An output without a table gives no columns.
 */
export function parseListTable(out: string): ListTable {
  let columns: string[] = [];
  const rows: Record<string, string>[] = [];
  let seenTable = false;
  for (const line of out.split('\n')) {
    if (line.startsWith('+-')) {
      seenTable = true;
      continue;
    }
    const c = cells(line);
    if (c === null) {
      // Text after a finished table (a second table, a message) is not part of it.
      if (seenTable && columns.length > 0) break;
      continue;
    }
    if (columns.length === 0) {
      columns = c;
      continue;
    }
    const prev = rows[rows.length - 1];
    if (c[0] === '' && prev !== undefined) {
      columns.forEach((col, i) => (prev[col] += c[i] ?? ''));
      continue;
    }
    rows.push(Object.fromEntries(columns.map((col, i) => [col, c[i] ?? ''])));
  }
  return { columns, rows };
}
