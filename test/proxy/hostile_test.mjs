// convert-proxy against hostile clients, over real sockets and against the
// test doubles (fake_contract.sql): slow headers and bodies, too many
// connections from one address, made-up environments, revoked keys, and a
// full cache.  Imported by http_test.mjs, so these run in its suites
// (proxy-http, proxy-sanitize); every test stops by itself within seconds.
import { test, assert, sleep, eventually } from './lib/harness.mjs';
import { get, post, rawConnect } from './lib/http.mjs';
import { startProxy, stopProxy, accessLog } from './lib/proxy.mjs';
import { cget, hitOf, lastNotes, changeSeen as changeSeenBy } from './lib/cache_probe.mjs';
import { psql } from './lib/db.mjs';
import { assertError } from './lib/expect.mjs';

const TIMEOUT_408 = 'HTTP/1.1 408 Request Timeout\r\n'
  + 'Content-Type: application/json\r\nCache-Control: no-store\r\n'
  + 'Access-Control-Allow-Origin: *\r\nConnection: close\r\nContent-Length: 40\r\n\r\n'
  + '{"code":408,"message":"request timeout"}';

// A raw POST whose body is sent one byte every `every` ms (until closed).
async function trickle(port, { every, length = 1000, localAddress } = {}) {
  const c = await rawConnect(port, { localAddress });
  c.sock.write(`POST /v1/track/public-key HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`);
  c.timer = setInterval(() => { if (c.state.closedAt === null) c.sock.write('x'); }, every);
  c.stop = () => { clearInterval(c.timer); c.sock.destroy(); };
  return c;
}

// Run sql; wait until the proxy has had its notifications ('5/6' is the fence).
const changeSeen = (q, sql) => changeSeenBy(q, sql, '5/6');

// A proxy whose cache listener is up (it connects in the background).
async function cachingProxy(args = []) {
  const q = await startProxy(['--cache-ttl', '300', ...args]);
  await eventually(() => hitOf(q, '/api/v1/config/big-key'), 5000);
  return q;
}

test('slow body: 408 and closed after the minimum rate fails; others get the slots', async () => {
  const q = await startProxy(['--max-connections', '4', '--max-connections-per-client', '0',
    '--min-body-rate', '100', '--request-timeout', '60']);
  const slow = [];
  try {
    for (let i = 0; i < 4; i++) slow.push(await trickle(q.port, { every: 300 }));
    // Every slot is held: a fifth connection is turned away for now.
    const locked = await rawConnect(q.port);
    await eventually(() => locked.state.closedAt !== null, 3000, 20);
    await eventually(() => slow.every((c) => c.state.closedAt !== null), 5000, 50);
    for (const c of slow) {
      const took = c.state.closedAt - c.openedAt;
      assert.ok(took >= 1000 && took < 3500, `cut after ${took} ms`);
      assert.equal(c.state.data, TIMEOUT_408);
    }
    const cut = await eventually(() => {
      const lines = accessLog(q).filter((l) => l.endsWith(' timeout'));
      return lines.length === 4 && lines;
    });
    for (const l of cut) assert.match(l, / 127\.0\.0\.1 "POST \/v1\/track\/public-key" 408 40 \d+\.\d\dms timeout$/);
    assert.equal((await get(q.port, '/healthz')).status, 200);
    // A body at a normal pace (5 x 100 bytes in 1 s) is taken.
    const ok = await rawConnect(q.port);
    const body = JSON.stringify({ p: 'y'.repeat(492) });
    ok.sock.write(`POST /v1/track/public-key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (let i = 0; i < 5; i++) {
      await sleep(200);
      ok.sock.write(body.slice(i * 100, (i + 1) * 100));
    }
    await eventually(() => ok.state.data.endsWith('{"code" : 200, "message" : "stored"}'), 3000);
    ok.sock.destroy();
  } finally {
    slow.forEach((c) => c.stop());
    await stopProxy(q);
  }
});

test('request deadline: a body fast enough but not done in --request-timeout gets 408', async () => {
  const q = await startProxy(['--request-timeout', '2', '--min-body-rate', '0']);
  const c = await trickle(q.port, { every: 100 });
  try {
    await eventually(() => c.state.closedAt !== null, 5000, 50);
    const took = c.state.closedAt - c.openedAt;
    assert.ok(took >= 1900 && took < 3500, `cut after ${took} ms`);
    assert.equal(c.state.data, TIMEOUT_408);
    // The header counts against the same deadline.
    const h = await rawConnect(q.port);
    h.sock.write('GET /healthz HTTP/1.1\r\n');
    const timer = setInterval(() => h.sock.write('X-Slow: 1\r\n'), 200);
    await eventually(() => h.state.closedAt !== null, 5000, 50);
    clearInterval(timer);
    assert.ok(h.state.closedAt - h.openedAt < 3500);
  } finally {
    c.stop();
    await stopProxy(q);
  }
});

test('per-client limit: one address gets --max-connections-per-client, others are served', async () => {
  const q = await startProxy(['--max-connections-per-client', '2']);
  const held = [];
  try {
    for (let i = 0; i < 2; i++) held.push(await rawConnect(q.port, { localAddress: '127.0.0.2' }));
    const third = await rawConnect(q.port, { localAddress: '127.0.0.2' });
    await eventually(() => third.state.closedAt !== null, 3000, 20);
    assert.equal(third.state.data, '');
    // Another address is not affected, and the held ones still work.
    const other = await rawConnect(q.port, { localAddress: '127.0.0.3' });
    other.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => other.state.data.endsWith('{"status":"ok"}'));
    held[0].sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => held[0].state.data.endsWith('{"status":"ok"}'));
    other.sock.destroy();
  } finally {
    held.forEach((c) => c.sock.destroy());
    await stopProxy(q);
  }
});

test('bodies: declared, chunked and mixed lengths are read exactly', async () => {
  const q = await startProxy(['--body-limit', '300000']);
  try {
    psql('TRUNCATE convert.fake_events');
    // Past the first buffer (16 kB): grows to the declared length.
    const big = JSON.stringify({ p: 'z'.repeat(200000) });
    assert.equal((await post(q.port, '/v1/track/public-key', big)).status, 200);
    const c = await rawConnect(q.port);
    const chunk = JSON.stringify({ c: 'w'.repeat(40000) });
    c.sock.write('POST /v1/track/public-key HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
      + `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
    await eventually(() => c.state.data.endsWith('{"code" : 200, "message" : "stored"}'));
    c.sock.destroy();
    assert.equal(psql(`SELECT string_agg(length(payload::text)::text, ',' ORDER BY id) FROM convert.fake_events`),
      `${big.length},${chunk.length}`);
  } finally {
    await stopProxy(q);
  }
});

test('config cache: made-up environments share one entry; known ones have their own', async () => {
  const q = await cachingProxy();
  try {
    const first = await cget(q, '/api/v1/config/public-key?environment=made-up-0');
    assert.equal(JSON.parse(first.text).environment, '(other)');
    for (let i = 1; i <= 50; i++) {
      const r = await cget(q, `/api/v1/config/public-key?environment=made-up-${i}`);
      assert.equal(r.text, first.text);
    }
    assert.deepEqual(await lastNotes(q, 51), ['miss', ...Array(50).fill('hit')]);
    // Known environments, and none at all, are entries of their own.
    for (const env of ['staging', 'live', 'staging', 'live']) {
      const r = await cget(q, `/api/v1/config/public-key?environment=${env}`);
      assert.equal(JSON.parse(r.text).environment, env);
    }
    const none = await cget(q, '/api/v1/config/public-key?environment=');
    assert.equal(JSON.parse(none.text).environment, null);
    await cget(q, '/api/v1/config/public-key');
    assert.deepEqual(await lastNotes(q, 6), ['miss', 'miss', 'hit', 'hit', 'miss', 'hit']);
  } finally {
    await stopProxy(q);
  }
});

test('config cache: past --cache-entries the least recently used goes, not all', async () => {
  const q = await cachingProxy(['--cache-entries', '3']);
  try {
    // big-key (from the start-up) is the oldest; 1/1 and 1/2 fill the cache.
    const order = ['1/1', '1/2', '1/1', '1/3', '1/1', '1/3', '1/2', 'big-key'];
    for (const key of order) assert.equal((await cget(q, `/api/v1/config/${key}`)).status, 200);
    // 1/3 evicts big-key, the least recently used; 1/1, 1/2 and 1/3 stay
    // (clearing everything would make the fifth a miss); big-key, back,
    // evicts 1/1.
    assert.deepEqual(await lastNotes(q, order.length),
      ['miss', 'miss', 'hit', 'miss', 'hit', 'hit', 'hit', 'miss']);
  } finally {
    await stopProxy(q);
  }
});

test('revoked key: the very next request is refused, cached or not', async () => {
  const q = await cachingProxy();
  try {
    await changeSeen(q, `INSERT INTO convert.fake_configs VALUES ('doomed-key', NULL, '{"v": 1}')`);
    assert.equal((await cget(q, '/api/v1/config/doomed-key')).status, 200);
    assert.equal((await hitOf(q, '/api/v1/config/doomed-key')).status, 200);
    await changeSeen(q, `UPDATE convert.fake_configs SET secret = 'now-secret' WHERE sdk_key = 'doomed-key'`);
    assertError(await cget(q, '/api/v1/config/doomed-key'), 401, 'missing or wrong sdk key secret');
    await changeSeen(q, `UPDATE convert.fake_configs SET secret = NULL WHERE sdk_key = 'doomed-key'`);
    assert.equal((await cget(q, '/api/v1/config/doomed-key')).status, 200);
    assert.equal((await hitOf(q, '/api/v1/config/doomed-key')).status, 200);
    await changeSeen(q, `DELETE FROM convert.fake_configs WHERE sdk_key = 'doomed-key'`);
    assertError(await cget(q, '/api/v1/config/doomed-key'), 404, 'unknown sdk key "doomed-key"');
  } finally {
    psql(`DELETE FROM convert.fake_configs WHERE sdk_key = 'doomed-key'`);
    await stopProxy(q);
  }
});

test('notifications: one key drops that key only; debug_tokens nothing; others everything', async () => {
  const q = await cachingProxy();
  const hit = async (key) => Boolean(await hitOf(q, `/api/v1/config/${key}`));
  try {
    await cget(q, '/api/v1/config/public-key');
    assert.equal(await hit('public-key'), true);
    await changeSeen(q, `NOTIFY convert_config, 'debug_tokens'`);
    assert.equal(await hit('public-key'), true);
    assert.equal(await hit('big-key'), true);
    await changeSeen(q, `NOTIFY convert_config, 'sdk_key:public-key'`);
    assert.equal(await hit('public-key'), false);
    assert.equal(await hit('big-key'), true);
    await changeSeen(q, `NOTIFY convert_config, '100'`);
    assert.equal(await hit('big-key'), false);
  } finally {
    await stopProxy(q);
  }
});

test('settings: the new limits from the environment; bad values refused', async () => {
  const q = await startProxy([], {
    env: {
      CONVERT_PROXY_MAX_CONNECTIONS_PER_CLIENT: '1', CONVERT_PROXY_REQUEST_TIMEOUT: '1',
      CONVERT_PROXY_MIN_BODY_RATE: '0', CONVERT_PROXY_CACHE_ENTRIES: '5',
    },
  });
  const a = await trickle(q.port, { every: 100, localAddress: '127.0.0.5' });
  try {
    const b = await rawConnect(q.port, { localAddress: '127.0.0.5' });
    await eventually(() => b.state.closedAt !== null, 3000, 20);
    assert.equal(b.state.data, '');
    await eventually(() => a.state.closedAt !== null, 4000, 50);
    assert.equal(a.state.data, TIMEOUT_408);
  } finally {
    a.stop();
    await stopProxy(q);
  }
  for (const [flag, value] of [['--request-timeout', '0'], ['--min-body-rate', '-1'],
    ['--max-connections-per-client', 'x'], ['--cache-entries', '0']]) {
    const bad = await startProxy([flag, value], { expectFail: true });
    assert.deepEqual(await bad.exit, { code: 2, signal: null });
    assert.equal(bad.stderr, `convert-proxy: invalid value for ${flag} (see --help)\n`);
  }
});
