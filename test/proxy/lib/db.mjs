// psql for the proxy tests (libpq's PG* variables say where).
import { spawnSync } from 'node:child_process';

export function psql(sql, { db = process.env.PGDATABASE } = {}) {
  // The statement goes through stdin: a command-line argument is limited
  // to 128 kB, and some statements carry whole test tables.
  const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-f', '-'], {
    input: sql,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`psql failed (${r.status ?? r.error}): ${r.stderr}`);
  return r.stdout.replace(/\n$/, '');
}
