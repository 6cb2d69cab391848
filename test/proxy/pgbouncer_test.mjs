// convert-proxy through a transaction-pooling PgBouncer (--pgbouncer on):
// its connections are PgBouncer's clients, and it leaves no session state
// on the server connections PgBouncer shares.  Imported by http_test.mjs
// when run_http.sh started a PgBouncer (suite proxy-pgbouncer).
import { spawnSync } from 'node:child_process';
import { test, assert } from './lib/harness.mjs';
import { get } from './lib/http.mjs';
import { startProxy, stopProxy } from './lib/proxy.mjs';

const BOUNCER = process.env.PGBOUNCER_PORT;

function viaBouncer(sql, db = process.env.PGDATABASE) {
  const r = spawnSync('psql', ['-X', '-q', '-At', '-h', '127.0.0.1', '-p', BOUNCER, '-U', 'postgres', '-d', db, '-c', sql],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql via PgBouncer failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean);
}

test('pgbouncer: the proxy\'s pool connects through PgBouncer', async () => {
  const q = await startProxy(['--pool-size', '3', '--cache-ttl', '0']);
  try {
    const clients = viaBouncer('SHOW CLIENTS', 'pgbouncer').filter((l) => l.split('|')[2] === process.env.PGDATABASE);
    // psql's own connection is to the admin database, not counted here.
    assert.equal(clients.length, 3, clients.join('\n'));
    assert.equal((await get(q.port, '/api/v1/config/public-key')).status, 200);
  } finally {
    await stopProxy(q);
  }
});

// Named prepared statements would be missing on the server connection a
// later transaction lands on (500s); a SET would stay on the connection.
test('pgbouncer: concurrent reads all answered; no statement_timeout left behind', async () => {
  const q = await startProxy(['--pool-size', '4', '--cache-ttl', '0', '--statement-timeout', '4321']);
  try {
    for (let round = 0; round < 5; round++) {
      const rs = await Promise.all(Array.from({ length: 40 }, () => get(q.port, '/api/v1/config/public-key')));
      assert.deepEqual([...new Set(rs.map((r) => r.status))], [200]);
    }
    for (let i = 0; i < 10; i++) assert.deepEqual(viaBouncer('SHOW statement_timeout'), ['0']);
  } finally {
    await stopProxy(q);
  }
});
