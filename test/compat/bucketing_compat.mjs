// Compatibility of hashing and bucketing with the official SDK.
//
// Generates cases (visitor and experience ids of every kind, seeds, scales,
// random variation lists), computes each answer with the SDK's own
// BucketingManager and DataManager, loads the cases into the test database
// and compares with convert.murmurhash3, convert.bucket_value and
// convert.select_variation.  Prints "bucketing compat: N passed, N failed"
// where each compared case counts once; any mismatch fails the suite.
import { copyRows, queryJson, sql } from './lib/db.mjs';
import { randomId, rng } from './lib/random.mjs';
import { NOT_DECIDED, createSdk, emptyConfig } from './lib/sdk.mjs';

const CASES = Number(process.env.COMPAT_CASES || 100000);
const r = rng(20261128);

const sdk = createSdk(emptyConfig());
const dataManager = sdk._dataManager;
const bucketing = dataManager._bucketingManager;
// max_traffic = 2^32 makes getValueVisitorBased return the raw hash.
const hasher = createSdk(emptyConfig(), { bucketing: { max_traffic: 4294967296 } })
  ._dataManager._bucketingManager;
const scaledManagers = new Map();

function scaledManager(maxTraffic) {
  if (!scaledManagers.has(maxTraffic)) {
    scaledManagers.set(maxTraffic,
      createSdk(emptyConfig(), { bucketing: { max_traffic: maxTraffic } })._dataManager._bucketingManager);
  }
  return scaledManagers.get(maxTraffic);
}

function randomSeed() {
  switch (r.int(0, 5)) {
    case 0: return r.int(0, 4294967295);
    case 1: return -r.int(1, 2147483647);
    case 2: return 4294967296 + r.int(0, 1e6);
    default: return 9999;
  }
}

function randomVariationId() {
  switch (r.int(0, 6)) {
    case 0: return String(r.int(0, 99));
    case 1: return String(r.int(4294967290, 4294967300));    // around the array-index limit
    case 2: return '0' + r.int(1, 999);                       // leading zero: not an index
    case 3: return r.pick(['O', 'V1', 'V2', 'control', 'variant-b', 'ü', '']);
    default: return String(r.int(100000000, 1100000000));
  }
}

function randomAllocation() {
  switch (r.int(0, 11)) {
    case 0: return undefined;
    case 1: return 0;
    case 2: return null;
    case 3: return String(r.int(0, 100));
    case 4: return r.int(1, 10000) / 100;
    case 5: return 100 / r.int(2, 7);
    case 6: return -r.int(1, 50);
    case 7: return r.pick(['abc', '', ' 25 ', '1e1', '0x10']);
    default: return r.int(0, 100);
  }
}

function randomVariations() {
  const n = r.int(0, 6);
  const list = [];
  for (let i = 0; i < n; i++) {
    const v = { id: randomVariationId() };
    const a = randomAllocation();
    if (a !== undefined) v.traffic_allocation = a;
    const status = r.pick([undefined, undefined, 'running', 'running', 'stopped', 'paused', '']);
    if (status !== undefined) v.status = status;
    list.push(v);
  }
  // Sometimes repeat an id: the later weight overwrites, the key keeps its place.
  if (n > 1 && r.int(0, 9) === 0) list[n - 1].id = list[0].id;
  return list;
}

// The SDK's full decision for one experience: DataManager._retrieveBucketing
// with an empty store and tracking off.
function sdkVariation(experienceId, visitorId, variations) {
  const experience = { id: experienceId, key: 'k', variations };
  dataManager.reset();
  dataManager._data.experiences = [experience];
  const result = dataManager._retrieveBucketing(visitorId, null, false, experience, undefined, false);
  if (result === NOT_DECIDED || result === null) return null;
  return result.id;
}

const rows = [];
for (let i = 0; i < CASES; i++) {
  const visitor = randomId(r);
  const experience = r.int(0, 3) === 0 ? String(r.int(100000000, 999999999)) : randomId(r);
  const seed = randomSeed();
  const maxTraffic = r.int(0, 4) === 0 ? r.pick([100, 1000, 65536, 100000, r.int(1, 2000000)]) : 10000;
  const variations = randomVariations();
  const hash = hasher.getValueVisitorBased(visitor, { seed, experienceId: experience });
  const value = (maxTraffic === 10000 ? bucketing : scaledManager(maxTraffic))
    .getValueVisitorBased(visitor, { seed, experienceId: experience });
  // The SDK never buckets an empty visitor id or experience id (falsy
  // checks before bucketing); only the hash and value are compared then.
  const decides = visitor !== '' && experience !== '';
  const chosen = decides ? sdkVariation(experience, visitor, variations) : null;
  rows.push([i, visitor, experience, seed, maxTraffic, JSON.stringify(variations),
    hash, value, chosen, decides ? 't' : 'f']);
}

sql(`DROP TABLE IF EXISTS compat_bucketing;
     CREATE TABLE compat_bucketing(n int, visitor text, experience text, seed bigint,
       max_traffic int, variations jsonb, sdk_hash bigint, sdk_value int,
       sdk_variation text, decided_by_sdk boolean)`);
copyRows('compat_bucketing',
  ['n', 'visitor', 'experience', 'seed', 'max_traffic', 'variations', 'sdk_hash',
    'sdk_value', 'sdk_variation', 'decided_by_sdk'], rows);

const mismatches = queryJson(`
  SELECT n, left(visitor, 60) AS visitor, left(experience, 60) AS experience, seed, max_traffic,
         variations, sdk_hash, our_hash, sdk_value, our_value, sdk_variation, our_variation
  FROM (SELECT *, convert.murmurhash3(experience || visitor, seed) AS our_hash,
               convert.bucket_value(visitor, experience, seed, max_traffic) AS our_value,
               CASE WHEN decided_by_sdk
                    THEN convert.select_variation(variations, experience, visitor) END AS our_variation
        FROM compat_bucketing) AS c
  WHERE sdk_hash <> our_hash OR sdk_value <> our_value
     OR sdk_variation IS DISTINCT FROM our_variation
  ORDER BY n`);

const [{ compared, decided, distinct_visitors }] = queryJson(`
  SELECT count(*) AS compared, count(sdk_variation) AS decided,
         count(DISTINCT visitor) AS distinct_visitors
  FROM compat_bucketing`);

for (const m of mismatches.slice(0, 20)) console.log('MISMATCH', JSON.stringify(m));
console.log(`compared ${compared} cases (hash, bucket value, variation; ` +
  `${decided} decided by the SDK, ${distinct_visitors} distinct visitor ids): ` +
  `${mismatches.length} mismatches`);
sql('DROP TABLE compat_bucketing');
console.log(`bucketing compat: ${compared - mismatches.length} passed, ${mismatches.length} failed`);
process.exit(mismatches.length === 0 ? 0 : 1);
