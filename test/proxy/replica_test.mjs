// convert-proxy with a read server: a primary and a hot standby streaming
// from it (run_replica.sh starts both).  Config routes are answered by the
// standby, tracking lands on the primary, and reads go on from the primary
// while the standby (or any read server) cannot answer.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { test, run, assert, eventually } from './lib/harness.mjs';
import { get, post } from './lib/http.mjs';
import { startProxy, stopProxy, accessLog, stopAll } from './lib/proxy.mjs';
import { psql } from './lib/db.mjs';

const SUITE = process.env.PROXY_SUITE_NAME || 'proxy-replica';
const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(fs.readFileSync(path.join(here, '../fixtures/sdk-test-config.json'), 'utf8'));

const { PRIMARY_DIR, PRIMARY_PORT, STANDBY_DIR, STANDBY_PORT, PGDATABASE } = process.env;
const PRIMARY = `host=${PRIMARY_DIR} port=${PRIMARY_PORT} dbname=${PGDATABASE} user=postgres`;
const STANDBY = `host=${STANDBY_DIR} port=${STANDBY_PORT} dbname=${PGDATABASE} user=postgres`;
const ACCOUNT = '98000001';
const PROJECT = '98000002';
const KEY = 'replica-key';
const CONFIG = `/api/v1/config/${KEY}`;

// psql on the standby (the PG* variables name the primary).
function standbySql(sql) {
  const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
    input: sql, encoding: 'utf8', env: { ...process.env, PGHOST: STANDBY_DIR, PGPORT: STANDBY_PORT },
  });
  if (r.status !== 0) throw new Error(`psql on the standby failed: ${r.stderr}`);
  return r.stdout.replace(/\n$/, '');
}

function standby(action) {
  const r = spawnSync('bash', ['-c', `source "$PG_CLUSTER_SH" && cluster_${action} "${STANDBY_DIR}" ${STANDBY_PORT}`],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cluster_${action} failed: ${r.stderr}`);
}

// Wait until the standby has replayed everything the primary wrote so far.
async function standbyCaughtUp() {
  const lsn = psql('SELECT pg_current_wal_lsn()');
  await eventually(() => standbySql(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`) === 't', 30000, 50);
}

// GET and the access log note of that request ("db=read1", "db=primary", ...).
// Requests are sequential: the line after the ones written so far is ours.
async function getNoted(p, urlPath) {
  const before = accessLog(p).length;
  const r = await get(p.port, urlPath);
  const lines = await eventually(() => accessLog(p).length > before && accessLog(p), 15000, 5);
  r.note = lines[before].split(' ').pop();
  return r;
}

// Request until every note in notes has been seen (the proxy reads from a
// standby once its monitor has seen it past the listener's start).
async function until(p, notes, urlPath = CONFIG) {
  const seen = new Set();
  await eventually(async () => {
    seen.add((await getNoted(p, urlPath)).note);
    return notes.every((n) => seen.has(n));
  }, 30000, 20);
}

const expected = () => psql(`SELECT convert.project_config_by_sdk_key('${KEY}')`);

test('setup: a project on the primary, replayed by the standby', async () => {
  const config = { ...fixture.data, account_id: ACCOUNT, project: { ...fixture.data.project, id: PROJECT } };
  psql(`SELECT convert.import_project('${JSON.stringify(config).replace(/'/g, "''")}'::json)`);
  psql(`SELECT convert.create_sdk_key(${PROJECT}, NULL, '${KEY}')`);
  await standbyCaughtUp();
  assert.equal(standbySql('SELECT pg_is_in_recovery()'), 't');
  assert.equal(standbySql(`SELECT convert.project_config_by_sdk_key('${KEY}')`), expected());
});

test('no --read-db: config from the primary, access log as before', async () => {
  const p = await startProxy(['--db', PRIMARY, '--cache-ttl', '0']);
  const r = await getNoted(p, CONFIG);
  assert.equal(r.status, 200);
  assert.equal(r.text, expected());
  assert.equal(r.note, '-');
  await stopProxy(p);
});

let P; // --db primary --read-db standby, cache off

test('--read-db: config routes answered by the standby', async () => {
  P = await startProxy(['--db', PRIMARY, '--read-db', STANDBY, '--cache-ttl', '0']);
  await until(P, ['db=read1']);
  for (let i = 0; i < 3; i++) {
    const r = await getNoted(P, CONFIG);
    assert.equal(r.status, 200);
    assert.equal(r.text, expected());
    assert.equal(r.note, 'db=read1');
  }
  const basic = await getNoted(P, `/api/v1/config/${ACCOUNT}/${PROJECT}/basic`);
  assert.equal(basic.status, 200);
  assert.equal(basic.text, psql(`SELECT convert.project_config_basic(${ACCOUNT}, ${PROJECT})`));
  assert.equal(basic.note, 'db=read1');
});

test('--read-db: errors of the standby are answered as such (unknown key 404)', async () => {
  const r = await getNoted(P, '/api/v1/config/no-such-key');
  assert.equal(r.status, 404);
  assert.match(r.note, /^sqlstate=PT404$/);
});

test('--read-db: tracking is stored on the primary', async () => {
  const visitor = `replica-${process.pid}-${Date.now()}`;
  const body = JSON.stringify({
    enrichData: true, accountId: ACCOUNT, projectId: PROJECT, source: 'replica-test',
    visitors: [{ visitorId: visitor, events: [{ eventType: 'bucketing', data: { experienceId: '100218245', variationId: '100299456' } }] }],
  });
  const r = await post(P.port, `/v1/track/${KEY}`, body);
  assert.equal(r.status, 200, r.text);
  assert.equal(psql(`SELECT count(*) FROM convert.events WHERE project_id = ${PROJECT} AND visitor_id = '${visitor}'`), '1');
});

test('--read-db: standby stopped -> reads from the primary; back -> from the standby', async () => {
  standby('stop');
  try {
    for (let i = 0; i < 4; i++) {
      const r = await getNoted(P, CONFIG);
      assert.equal(r.status, 200);
      assert.equal(r.text, expected());
      assert.equal(r.note, 'db=primary');
    }
  } finally {
    standby('start');
  }
  await eventually(async () => (await getNoted(P, CONFIG)).note === 'db=read1', 30000, 200);
  await stopProxy(P);
});

test('--read-db twice: round robin over both', async () => {
  const p = await startProxy(['--db', PRIMARY, '--read-db', STANDBY, '--read-db', STANDBY, '--cache-ttl', '0']);
  await until(p, ['db=read1', 'db=read2']);
  const notes = [];
  for (let i = 0; i < 4; i++) notes.push((await getNoted(p, CONFIG)).note);
  assert.deepEqual(notes.sort(), ['db=read1', 'db=read1', 'db=read2', 'db=read2']);
  await stopProxy(p);
});

test('a read server that is down is skipped; GETs never fail', async () => {
  const dead = `host=127.0.0.1 port=1 dbname=${PGDATABASE} user=postgres`;
  const p = await startProxy(['--db', PRIMARY, '--read-db', dead, '--read-db', STANDBY, '--cache-ttl', '0']);
  assert.match(p.stderr, /1 of 2 read servers up/);
  await until(p, ['db=read2']);
  const notes = new Set();
  for (let i = 0; i < 6; i++) {
    const r = await getNoted(p, CONFIG);
    assert.equal(r.status, 200);
    assert.equal(r.text, expected());
    notes.add(r.note);
  }
  assert.deepEqual([...notes], ['db=read2']);
  await stopProxy(p);
});

test('CONVERT_PROXY_READ_DB: several connection strings separated by ;', async () => {
  const p = await startProxy(['--db', PRIMARY, '--cache-ttl', '0'],
    { env: { CONVERT_PROXY_READ_DB: `${STANDBY}; ${STANDBY}` } });
  await until(p, ['db=read1', 'db=read2']);
  await stopProxy(p);
  // A flag replaces the environment's list.
  const q = await startProxy(['--db', PRIMARY, '--cache-ttl', '0', '--read-db', STANDBY],
    { env: { CONVERT_PROXY_READ_DB: 'host=127.0.0.1 port=1' } });
  await until(q, ['db=read1']);
  assert.doesNotMatch(q.stderr, /read servers up/);
  await stopProxy(q);
});

// A change the paused standby has not replayed: once the proxy has the
// notification, no answer is the old document (the standby still has it).
test('standby paused: after a change is notified, never the old document', async () => {
  const cached = await startProxy(['--db', PRIMARY, '--read-db', STANDBY]);
  const direct = await startProxy(['--db', PRIMARY, '--read-db', STANDBY, '--cache-ttl', '0']);
  const fence = `${KEY}-fence`;
  psql(`SELECT convert.create_sdk_key(${PROJECT}, NULL, '${fence}')`);
  await standbyCaughtUp();
  await until(direct, ['db=read1']);
  await until(cached, ['db=read1']);
  const old = expected();
  standbySql('SELECT pg_wal_replay_pause()');
  try {
    // The fence's entry is dropped by a notification sent after the
    // change's own, in the same transaction: then the proxy has both.
    await eventually(async () => (await getNoted(cached, `/api/v1/config/${fence}`)).note === 'cache=hit');
    psql(`BEGIN; UPDATE convert.projects SET name = 'renamed ' || now() WHERE id = ${PROJECT};
          NOTIFY convert_config, 'sdk_key:${fence}'; COMMIT;`);
    await eventually(async () => (await getNoted(cached, `/api/v1/config/${fence}`)).note !== 'cache=hit', 5000, 20);
    const now = expected();
    assert.notEqual(now, old);
    assert.equal(standbySql(`SELECT convert.project_config_by_sdk_key('${KEY}')`), old);
    for (let i = 0; i < 5; i++) {
      const r = await getNoted(cached, CONFIG);
      assert.ok(r.text === now, `request ${i}: not the new document (${r.note})`);
      assert.match(r.note, /^(db=primary|cache=hit)$/);
    }
    // Without the cache the same notification holds reads back: within
    // the listener's round trip every answer is the new document.
    await eventually(async () => (await getNoted(direct, CONFIG)).text === now, 5000, 20);
    for (let i = 0; i < 5; i++) {
      const r = await getNoted(direct, CONFIG);
      assert.ok(r.text === now, `request ${i}: not the new document (${r.note})`);
      assert.equal(r.note, 'db=primary');
    }
  } finally {
    standbySql('SELECT pg_wal_replay_resume()');
  }
  await until(direct, ['db=read1']);
  assert.equal((await getNoted(direct, CONFIG)).text, expected());
  await stopProxy(cached);
  await stopProxy(direct);
});

test('--max-lag-bytes: a standby too far behind is skipped until it catches up', async () => {
  const p = await startProxy(['--db', PRIMARY, '--read-db', STANDBY, '--cache-ttl', '0', '--max-lag-bytes', '100000']);
  await until(p, ['db=read1']);
  standbySql('SELECT pg_wal_replay_pause()');
  try {
    psql(`CREATE TABLE lag_filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 5000) g`);
    await until(p, ['db=primary']);
    for (let i = 0; i < 3; i++) assert.equal((await getNoted(p, CONFIG)).note, 'db=primary');
  } finally {
    standbySql('SELECT pg_wal_replay_resume()');
    psql('DROP TABLE lag_filler');
  }
  await until(p, ['db=read1']);
  await stopProxy(p);
});

test('--read-db "": rejected', async () => {
  const p = await startProxy(['--db', PRIMARY, '--read-db', ''], { expectFail: true });
  const exit = await p.exit;
  assert.equal(exit.code, 2);
  assert.match(p.stderr, /invalid value for --read-db/);
});

run(SUITE, { after: stopAll });
