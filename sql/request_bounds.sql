-- Bounded requests (issue 13, parts 3 and 4): what one tracking batch can
-- make the server store (a small multiple of its bytes, segments stored
-- once), the limits on free-form objects, messages that quote at most 100
-- characters of client input, cancellation, and regular expressions over
-- the PCRE2 limits.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'
\set SHOW_CONTEXT never
TRUNCATE convert.events, convert.visitor_bucketing, convert.visitor_goals,
         convert.goal_transactions, convert.track_batches, convert.segment_sets;

SELECT convert.import_project('{"account_id": "7001", "project": {"id": "7002"},
  "experiences": [{"id": "711", "key": "e1", "status": "active", "variations": [{"id": "811"}, {"id": "812"}]}],
  "goals": [{"id": "911", "key": "buy"}]}') AS project;
-- Partitions exist before anything is measured (creating one is not growth a batch causes).
SELECT convert.ensure_event_partitions(now() - interval '1 day', now() + interval '2 days') >= 0 AS partitions;

-- Bytes on disk of every table of the extension (and their partitions),
-- with their TOAST tables and indexes; main forks only, so that a visibility
-- map or free space map made by autovacuum does not count.
CREATE FUNCTION pg_temp.stored_bytes() RETURNS bigint LANGUAGE sql AS $$
    WITH rel AS (
        SELECT c.oid, c.reltoastrelid FROM pg_class c
        WHERE c.relnamespace = 'convert'::regnamespace AND c.relkind = 'r'
    ), heap AS (
        SELECT oid FROM rel UNION ALL SELECT reltoastrelid FROM rel WHERE reltoastrelid <> 0
    )
    SELECT sum(pg_relation_size(h.oid)
               + (SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0)
                  FROM pg_index i WHERE i.indrelid = h.oid))::bigint
    FROM heap h
$$;
-- About n characters of incompressible text (base64 of SHA-256 digests).
CREATE FUNCTION pg_temp.noise(n integer, seed text) RETURNS text LANGUAGE sql AS $$
    SELECT left(string_agg(encode(sha256(convert_to(seed || i, 'UTF8')), 'base64'), '' ORDER BY i), n)
    FROM generate_series(1, n / 44 + 1) AS i
$$;
-- Sends a batch of project 7002; its answer, and whether what the
-- database grew by is at most 3 times the payload's bytes.
CREATE FUNCTION pg_temp.send(payload json, OUT message text, OUT within_3x boolean)
LANGUAGE plpgsql AS $$
DECLARE
    before bigint := pg_temp.stored_bytes();
BEGIN
    message := convert.track(7001, 7002, payload) ->> 'message';
    within_3x := pg_temp.stored_bytes() - before <= 3 * octet_length(payload::text);
END
$$;
-- {"visitorId": id, "segments": segments, "events": events} in a batch.
CREATE FUNCTION pg_temp.batch(visitors json, enrich boolean DEFAULT true) RETURNS json LANGUAGE sql AS $$
    SELECT json_build_object('enrichData', enrich, 'accountId', '7001', 'projectId', '7002',
                             'visitors', visitors, 'source', 'js4.4.3')
$$;
CREATE FUNCTION pg_temp.conversions(n integer) RETURNS json LANGUAGE sql AS $$
    SELECT json_agg(json_build_object('eventType', 'conversion', 'data', json_build_object(
               'goalId', '911', 'goalData', json_build_array(json_build_object('key', 'amount', 'value', i)))))
    FROM generate_series(1, n) AS i
$$;

-- The attack of the issue: one visitor, segments as large as allowed
-- (0.1.0 stored them with each of the 300 events), 300 conversions.
SELECT * FROM pg_temp.send(pg_temp.batch(json_build_array(json_build_object(
    'visitorId', 'big', 'segments', json_build_object('blob', pg_temp.noise(65000, 'a')),
    'events', pg_temp.conversions(300)))));
SELECT count(*) AS segment_sets, min(octet_length(segments::text)) AS bytes FROM convert.segment_sets;
-- The same segments from 50 visitor entries: still stored once.
SELECT * FROM pg_temp.send(pg_temp.batch((SELECT json_agg(json_build_object(
    'visitorId', 'big-' || i, 'segments', json_build_object('blob', pg_temp.noise(65000, 'a')),
    'events', pg_temp.conversions(1))) FROM generate_series(1, 50) AS i)));
SELECT count(*) AS segment_sets FROM convert.segment_sets;
-- The longest visitor id (256 bytes) on 2,000 small events, each stored
-- (distinct transactions): every event row and its indexes repeat the id,
-- which is why the id is limited; the growth stays under 8 times the payload.
CREATE FUNCTION pg_temp.growth_within(payload json, times integer, OUT stored text, OUT within boolean)
LANGUAGE plpgsql AS $$
DECLARE
    before bigint := pg_temp.stored_bytes();
BEGIN
    stored := convert.track(7001, 7002, payload) ->> 'stored';
    within := pg_temp.stored_bytes() - before <= times * octet_length(payload::text);
END
$$;
SELECT * FROM pg_temp.growth_within(pg_temp.batch(json_build_array(json_build_object(
    'visitorId', repeat('v', 256),
    'events', (SELECT json_agg(json_build_object('eventType', 'conversion', 'data', json_build_object(
                   'goalId', '911', 'goalData', json_build_array(
                       json_build_object('key', 'transactionId', 'value', 'order-' || i)))))
               FROM generate_series(1, 2000) AS i))), false), 8);
-- enrichData: large stored segments under thousands of small sent ones;
-- an event refers to both, the overlay is computed when read.
SELECT * FROM pg_temp.send(pg_temp.batch(json_build_array(json_build_object(
    'visitorId', 'v', 'segments', json_build_object('blob', pg_temp.noise(65000, 'b')),
    'events', json_build_array(json_build_object('eventType', 'bucketing',
                                                 'data', json_build_object('experienceId', '711', 'variationId', '811')))))));
SELECT * FROM pg_temp.send(pg_temp.batch((SELECT json_agg(json_build_object(
    'visitorId', 'v', 'segments', json_build_object('k', i), 'events', pg_temp.conversions(1)))
    FROM generate_series(1, 3000) AS i)));
SELECT count(*) AS events, count(DISTINCT segments) AS distinct_segments,
       bool_and(length(segments ->> 'blob') = 65000 AND segments ? 'k') AS overlaid
FROM convert.events_with_segments WHERE visitor_id = 'v' AND event_type = 'conversion';

-- Limits on free-form objects: PT413 naming the path; nothing stored.
SELECT regress.try(format('SELECT convert.track(7001, 7002, %L)', pg_temp.batch(json_build_array(json_build_object(
    'visitorId', 'huge', 'segments', json_build_object('blob', pg_temp.noise(1048576, 'c')),
    'events', pg_temp.conversions(300)))))) AS one_mb_segments;
SELECT regress.try(format('SELECT convert.track(7001, 7002, %L)', pg_temp.batch(json_build_array(json_build_object(
    'visitorId', 'huge', 'events', json_build_array(json_build_object('eventType', 'conversion', 'data',
        json_build_object('goalId', '911', 'goalData', json_build_array(
            json_build_object('key', 'note', 'value', pg_temp.noise(20000, 'd'))))))))))) AS big_goal_data;
SELECT regress.try(format('SELECT convert.track(7001, 7002, %L)',
    json_build_object('accountId', '7001', 'projectId', '7002', 'visitors', '[]'::json,
                      'source', repeat('s', 257)))) AS long_source;
SELECT convert.track(7001, 7002, json_build_object('accountId', '7001', 'projectId', '7002', 'visitors', '[]'::json,
                                                   'source', repeat('s', 256))) ->> 'message' AS longest_source;
SELECT count(*) AS stored_for_huge FROM convert.events WHERE visitor_id = 'huge';

-- Messages quote at most 100 characters of what the client sent, cut on a
-- character boundary, "..." after the quote.
\set VERBOSITY default
SELECT convert.track(7001, 7002, pg_temp.batch(json_build_array(json_build_object('visitorId', 'q', 'events',
    json_build_array(json_build_object('eventType', 'bucketing', 'data',
        json_build_object('experienceId', repeat('7', 5000), 'variationId', '811')))))));
SELECT convert.track(7001, 7002, pg_temp.batch(json_build_array(json_build_object('visitorId', 'q', 'events',
    json_build_array(json_build_object('eventType', repeat('ä', 5000), 'data', '{}'::json))))));
SELECT convert.track(7001, 7002, pg_temp.batch(json_build_array(json_build_object('visitorId', 'q', 'events',
    json_build_array(json_build_object('eventType', 'conversion', 'data',
        json_build_object('goalId', '911', 'bucketingData', json_build_object(repeat('€', 101), '811'))))))));
SELECT convert.track(7001, 7002, json_build_object('accountId', repeat('9', 5000), 'projectId', '7002', 'visitors', '[]'::json));
-- exactly 100 characters: quoted whole
SELECT convert.track(7001, 7002, json_build_object('accountId', repeat('é', 100), 'projectId', '7002', 'visitors', '[]'::json));
\set VERBOSITY terse

-- Cancellation: a large legal batch (10,000 events) under a statement
-- timeout far below its cost is cancelled, not run to the end.
CREATE TEMP TABLE big AS
SELECT pg_temp.batch(json_agg(json_build_object('visitorId', 'c' || i, 'events', json_build_array(
           json_build_object('eventType', 'bucketing',
                             'data', json_build_object('experienceId', '711', 'variationId', '812')),
           json_build_object('eventType', 'conversion', 'data', json_build_object('goalId', '911')))))) AS payload
FROM generate_series(1, 5000) AS i;
SELECT convert_internal.track_event_count(payload::jsonb) AS events, octet_length(payload::text) > 500000 AS large FROM big;
SELECT payload::text AS big_batch FROM big \gset
-- (57014 query_canceled; where the timer lands decides the message's wording)
\set VERBOSITY sqlstate
SET statement_timeout = '1ms';
SELECT convert.track(7001, 7002, :'big_batch');
RESET statement_timeout;
\set VERBOSITY terse
SELECT count(*) AS stored_after_cancel FROM convert.events WHERE visitor_id LIKE 'c%';

-- Regular expressions over the limits give up like the match limit: no
-- match, and negation not applied.  The first pattern (32 KB, 8,000
-- groups) made one backend allocate 1.3 GB before the limits.
CREATE FUNCTION pg_temp.regex_rule(pattern text, negated boolean) RETURNS convert.rules LANGUAGE sql AS $$
    SELECT jsonb_build_object('OR', jsonb_build_array(jsonb_build_object('AND', jsonb_build_array(
        jsonb_build_object('OR_WHEN', jsonb_build_array(jsonb_build_object(
            'rule_type', 'generic_key_value', 'key', 'v', 'value', pattern,
            'matching', jsonb_build_object('match_type', 'regexMatches', 'negated', negated))))))))::convert.rules
$$;
SELECT octet_length(p) AS pattern_bytes,
       convert.rules_match(pg_temp.regex_rule(p, false), jsonb_build_object('v', repeat('a', 150))) AS matches,
       convert.rules_match(pg_temp.regex_rule(p, true), jsonb_build_object('v', repeat('a', 150))) AS negated
FROM (VALUES (repeat('(a?)', 8000) || 'a{150}'),   -- over the pattern length limit
             (repeat('(a)', 257)),                  -- over the group limit
             (repeat('(a)', 150)),                  -- within both: matches
             (repeat('(a?)', 250) || 'a{150}')      -- within both: gives up (match or heap limit)
     ) AS t(p);

-- Rule and config errors quote at most 100 characters of a client's key
-- or value (the core cuts on a character boundary).
\set VERBOSITY default
SELECT format('{"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_key_value", "key": "k", "value": "v",
                 "matching": {"match_type": "%s", "negated": false}}]}]}]}', repeat('ü', 3000))::convert.rules;
SELECT format('{"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_key_value", "key": "k", "value": "v",
                 "matching": {"match_type": "equals", "negated": false}, "%s": 1}]}]}]}', repeat('x', 3000))::convert.rules;
\set VERBOSITY terse
