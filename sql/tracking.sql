-- convert.track: every event shape the SDK sends (docs/sdk-behaviour.md,
-- "Tracking requests"), the rows they become, the routes and their access rules, the
-- daily partitions, and what the convert_api role may do.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'
\set SHOW_CONTEXT never
-- pg_regress runs every test in one database: start from empty tracking tables.
TRUNCATE convert.events, convert.visitor_bucketing, convert.visitor_goals,
         convert.goal_transactions, convert.track_batches, convert.segment_sets;
SET timezone = 'UTC';

-- The stored events, in an order that does not depend on the plan.
CREATE FUNCTION pg_temp.events()
RETURNS TABLE (visitor_id text, event_type text, experience_id bigint, variation_id bigint,
               goal_id bigint, amount numeric, products_count numeric, transaction_id text,
               goal_data jsonb, bucketing jsonb, segments jsonb, source text)
LANGUAGE sql AS $$
    SELECT visitor_id, event_type, experience_id, variation_id, goal_id, amount, products_count,
           transaction_id, goal_data, bucketing, segments, source
    FROM convert.events_with_segments
    ORDER BY visitor_id, event_type, experience_id, goal_id, amount NULLS FIRST, transaction_id
$$;

-- The project of the captured batch: account 10035569, project 10034190.
SELECT convert.import_project('{"account_id": "10035569", "project": {"id": "10034190"},
  "experiences": [
    {"id": "100349071", "key": "exp-a", "status": "active",
     "variations": [{"id": "1003180877", "key": "original", "traffic_allocation": 50},
                    {"id": "1003180878", "key": "variation-1", "traffic_allocation": 50}]},
    {"id": "100349072", "key": "exp-b", "status": "paused",
     "variations": [{"id": "1003180880", "key": "original"},
                    {"id": "1003180881", "key": "variation-1"}]}],
  "goals": [{"id": "100322784", "key": "purchase", "type": "revenue"},
            {"id": "100322785", "key": "signup", "type": "code_trigger"}],
  "archived_experiences": ["100340001"]}');
SELECT convert.import_project('{"account_id": "10035569", "project": {"id": "10034191"}}');
SELECT convert.create_sdk_key(10034190, 's3cr3t', 'secret-key');
SELECT convert.create_sdk_key(10034190, NULL, 'open-key');

-- The captured request (docs/sdk-behaviour.md), byte for byte (UTF-8 visitor id).
BEGIN;
SELECT convert.track('10035569/10034190', '{"enrichData":true,"accountId":"10035569","projectId":"10034190","visitors":[{"visitorId":"visitor-äöü-1","events":[{"eventType":"bucketing","data":{"experienceId":"100349071","variationId":"1003180878"}},{"eventType":"conversion","data":{"goalId":"100322784","bucketingData":{"100349071":"1003180878"}}},{"eventType":"conversion","data":{"goalId":"100322784","goalData":[{"key":"amount","value":10.3},{"key":"productsCount","value":2},{"key":"transactionId","value":"t-1"}],"bucketingData":{"100349071":"1003180878"}}},{"eventType":"conversion","data":{"goalId":"100322784","goalData":[{"key":"amount","value":5}],"bucketingData":{"100349071":"1003180878"}}}],"segments":{"country":"US","browser":"CH"}}],"source":"js-sdk-test"}');
-- One receive time per batch, the transaction's.
SELECT count(*) AS events, bool_and(received_at = now()) AS received_now FROM convert.events;
COMMIT;
SELECT * FROM pg_temp.events();
SELECT project_id, visitor_id, experience_id, variation_id, segments
FROM convert.visitor_bucketing_with_segments ORDER BY visitor_id, experience_id;
-- Stored in today's (UTC) partition.
SELECT DISTINCT tableoid::regclass::text = 'convert.events_' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')
       AS todays_partition
FROM convert.events;

-- Every shape: bucketing; conversion without anything; with goalData only;
-- every goalData key of the schema (numeric transactionId, NaN sent as null,
-- custom dimensions as string, number and array); bucketingData naming an
-- archived experience; several visitors, with and without segments, and
-- arbitrary visitor properties in segments; no enrichData and no source.
TRUNCATE convert.events, convert.visitor_bucketing, convert.visitor_goals,
         convert.goal_transactions, convert.track_batches, convert.segment_sets;
SELECT convert.track('open-key', '{"accountId": "10035569", "projectId": "10034190", "visitors": [
  {"visitorId": "v1", "events": [
     {"eventType": "bucketing", "data": {"experienceId": "100349072", "variationId": "1003180881"}},
     {"eventType": "conversion", "data": {"goalId": "100322785"}}],
   "segments": {"country": "DE", "browser": "FF", "devices": ["DESK"], "source": "direct",
                "campaign": "spring", "visitorType": "new", "customSegments": ["55"], "plan": "gold"}},
  {"visitorId": "v2", "events": [
     {"eventType": "conversion", "data": {"goalId": "100322784", "goalData": [
        {"key": "amount", "value": 19.99}, {"key": "productsCount", "value": 3},
        {"key": "transactionId", "value": 4711}, {"key": "customDimension1", "value": "red"},
        {"key": "customDimension2", "value": 7}, {"key": "customDimension3", "value": ["a", "b"]},
        {"key": "customDimension4", "value": null}, {"key": "coupon", "value": {"code": "X"}}]}},
     {"eventType": "conversion", "data": {"goalId": "100322784", "goalData": [{"key": "amount", "value": null}],
        "bucketingData": {"100340001": "999", "100349071": "1003180877"}}}]}]}');
SELECT * FROM pg_temp.events();
SELECT visitor_id, experience_id, variation_id, segments FROM convert.visitor_bucketing_with_segments ORDER BY 1, 2;

-- An empty batch, and a visitor without events: nothing to store.
SELECT convert.track('open-key', '{"accountId": "10035569", "projectId": "10034190", "visitors": []}');
SELECT convert.track('open-key', '{"accountId": "10035569", "projectId": "10034190",
                                   "visitors": [{"visitorId": "v9", "events": []}]}');

-- Routes and access: the account/project route and the two-segment key
-- form of it; a key with a secret takes it as "Bearer <secret>" or bare,
-- and also none at all (a browser's beacon cannot send headers), but not a
-- wrong one; a key without a secret refuses one; unknown keys and projects.
CREATE FUNCTION pg_temp.batch(account text, project text, visitor text) RETURNS json LANGUAGE sql AS $$
    SELECT json_build_object('accountId', account, 'projectId', project, 'visitors',
        json_build_array(json_build_object('visitorId', visitor, 'events', json_build_array(
            json_build_object('eventType', 'conversion', 'data', json_build_object('goalId', '100322784'))))))
$$;
SELECT convert.track(10035569, 10034190, pg_temp.batch('10035569', '10034190', 'route-1')) ->> 'message' AS account_project;
SELECT convert.track('10035569/10034190', pg_temp.batch('10035569', '10034190', 'route-2')) ->> 'message' AS two_segment_key;
SELECT convert.track('secret-key', pg_temp.batch('10035569', '10034190', 'route-3'), 'Bearer s3cr3t') ->> 'message' AS bearer;
SELECT convert.track('secret-key', pg_temp.batch('10035569', '10034190', 'route-4'), 's3cr3t') ->> 'message' AS bare_secret;
SELECT convert.track('secret-key', pg_temp.batch('10035569', '10034190', 'route-5')) ->> 'message' AS beacon_without_secret;
SELECT regress.try($$SELECT convert.track('secret-key', pg_temp.batch('10035569', '10034190', 'x'), 'Bearer wrong')$$);
SELECT regress.try($$SELECT convert.track('open-key', pg_temp.batch('10035569', '10034190', 'x'), 'Bearer s3cr3t')$$);
SELECT regress.try($$SELECT convert.track('no-such-key', pg_temp.batch('10035569', '10034190', 'x'))$$);
SELECT regress.try($$SELECT convert.track('10035569/10039999', pg_temp.batch('10035569', '10039999', 'x'))$$);
SELECT regress.try($$SELECT convert.track(10035569, 10039999, pg_temp.batch('10035569', '10039999', 'x'))$$);
SELECT regress.try($$SELECT convert.track(10035560, 10034190, pg_temp.batch('10035560', '10034190', 'x'))$$);
UPDATE convert.projects SET disable_default_config = true WHERE id = 10034190;
SELECT regress.try($$SELECT convert.track(10035569, 10034190, pg_temp.batch('10035569', '10034190', 'x'))$$);
SELECT regress.try($$SELECT convert.track('10035569/10034190', pg_temp.batch('10035569', '10034190', 'x'))$$);
SELECT convert.track('open-key', pg_temp.batch('10035569', '10034190', 'route-6')) ->> 'message' AS key_still_works;
UPDATE convert.projects SET disable_default_config = false WHERE id = 10034190;
SELECT visitor_id FROM convert.events WHERE visitor_id LIKE 'route-%' ORDER BY 1;

-- Partitions: one per UTC day, created ahead by track (today and
-- tomorrow) and by ensure_event_partitions for a horizon; idempotent.
SELECT to_regclass('convert.' || convert_internal.event_partition_name((now() AT TIME ZONE 'UTC')::date)) IS NOT NULL AS today,
       to_regclass('convert.' || convert_internal.event_partition_name((now() AT TIME ZONE 'UTC')::date + 1)) IS NOT NULL AS tomorrow;
SELECT convert.ensure_event_partitions('2031-03-30 23:00+00', '2031-04-02 01:00+00') AS created;
SELECT convert.ensure_event_partitions('2031-03-30 23:00+00', '2031-04-02 01:00+00') AS created_again;
-- (track creates tomorrow's partition only if it needs not wait for a lock)
SELECT convert_internal.try_event_partition_day('2031-04-03') AS tried, convert_internal.try_event_partition_day('2031-04-03') AS tried_again;
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'convert.events'::regclass AND c.relname LIKE 'events_2031%' ORDER BY 1;
-- A partition keeps the indexes analysts rely on.
SELECT count(*) AS indexes_per_partition FROM pg_index WHERE indrelid = 'convert.events_20310331'::regclass;
SELECT regress.try($$SELECT convert.ensure_event_partitions('2020-01-01', '2035-01-01')$$);
-- The tables are registered for pg_dump.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'convert' AND c.relname IN ('events', 'visitor_bucketing', 'visitor_goals',
                                              'goal_transactions', 'track_batches', 'segment_sets')
ORDER BY 1;

-- convert_api may call track and nothing else of tracking.
SET ROLE convert_api;
SELECT convert.track('open-key', pg_temp.batch('10035569', '10034190', 'api-role')) ->> 'message' AS as_api_role;
SELECT regress.try($$SELECT count(*) FROM convert.events$$);
SELECT regress.try($$SELECT count(*) FROM convert.visitor_bucketing$$);
SELECT regress.try($$SELECT count(*) FROM convert.segment_sets$$);
SELECT regress.try($$SELECT count(*) FROM convert.events_with_segments$$);
SELECT regress.try($$SELECT convert.ensure_event_partitions()$$);
SELECT regress.try($$SELECT * FROM convert_internal.track_parse(10034190, '[]', 10, 10)$$);
RESET ROLE;
SELECT has_function_privilege('convert_api', 'convert.track(text, json, text)', 'EXECUTE') AS by_key,
       has_function_privilege('convert_api', 'convert.track(bigint, bigint, json)', 'EXECUTE') AS by_route,
       has_function_privilege('public', 'convert.track(text, json, text)', 'EXECUTE') AS public_by_key;
-- track is VOLATILE (PostgREST calls it in a read-write transaction).
SELECT DISTINCT provolatile FROM pg_proc WHERE oid IN ('convert.track(text, json, text)'::regprocedure,
                                                       'convert.track(bigint, bigint, json)'::regprocedure);
