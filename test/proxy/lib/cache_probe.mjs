// Watching convert-proxy's config cache from outside: which requests were
// cache hits (the access log's note), and waiting until the proxy has
// received the notifications of a change.
import { assert, eventually } from './harness.mjs';
import { get } from './http.mjs';
import { accessLog } from './proxy.mjs';
import { psql } from './db.mjs';

// GET, then wait for its access log line: the line is written after the
// response, so without waiting the next request's line could come first.
export async function cget(q, path) {
  q.sent = (q.sent || 0) + 1;
  const r = await get(q.port, path);
  await eventually(() => accessLog(q).length >= q.sent, 5000, 5);
  return r;
}

// The cache notes ('hit' or 'miss') of the last n requests.
export async function lastNotes(q, n) {
  const lines = await eventually(() => accessLog(q).length >= q.sent && accessLog(q));
  assert.equal(lines.length, q.sent);
  return lines.slice(-n).map((l) => (l.endsWith(' cache=hit') ? 'hit' : 'miss'));
}

// GET path; the response when the access log calls it a cache hit.
export async function hitOf(q, path) {
  const r = await cget(q, path);
  return (await lastNotes(q, 1))[0] === 'hit' && r;
}

// Run sql and wait until the proxy has had the notifications it sent: one
// for a fence key, sent after them in the same transaction, has dropped
// the fence's cached entry (notifications arrive in commit order).  What
// comes next is then "the very next request" after the change.
export async function changeSeen(q, sql, fenceKey) {
  const fence = `/api/v1/config/${fenceKey}`;
  await eventually(() => hitOf(q, fence));
  psql(`BEGIN; ${sql}; NOTIFY convert_config, 'sdk_key:${fenceKey}'; COMMIT;`);
  await eventually(async () => !(await hitOf(q, fence)), 3000, 20);
}

