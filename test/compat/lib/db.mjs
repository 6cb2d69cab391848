// Talk to the test cluster through psql (libpq's PG* environment variables
// say where): load generated cases with COPY, read answers back as JSON.
import { spawnSync } from 'node:child_process';

function psql(args, input) {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) {
    throw new Error(`psql failed (${r.status}): ${r.stderr}`);
  }
  return r.stdout;
}

// Run SQL statements (no result expected).
export function sql(statements) {
  psql(['-c', statements]);
}

// COPY rows (arrays of strings, null for SQL NULL) into table(columns).
export function copyRows(table, columns, rows) {
  const csv = rows
    .map((row) => row.map((v) => (v === null ? '' : `"${String(v).replace(/"/g, '""')}"`)).join(','))
    .join('\n');
  psql(['-c', `COPY ${table}(${columns.join(',')}) FROM STDIN (FORMAT csv)`], csv + '\n');
}

// Rows of a query as objects: the query is wrapped in json_agg.
export function queryJson(query) {
  const out = psql(['-At', '-c', `SELECT coalesce(json_agg(q), '[]') FROM (${query}) AS q`]);
  return JSON.parse(out);
}
