-- convert.track: enrichData and duplicates (docs/sdk-behaviour.md, "Tracking
-- requests"): repeated conversions of a goal, transactionId, re-sent batches,
-- repeated and changed bucketing decisions.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'
\set SHOW_CONTEXT never
-- pg_regress runs every test in one database: start from empty tracking tables.
TRUNCATE convert.events, convert.visitor_bucketing, convert.visitor_goals,
         convert.goal_transactions, convert.track_batches, convert.segment_sets;

SELECT convert.import_project('{"account_id": "4001", "project": {"id": "5001"},
  "experiences": [
    {"id": "701", "key": "e1", "status": "active", "variations": [{"id": "801"}, {"id": "802"}]},
    {"id": "702", "key": "e2", "status": "active", "variations": [{"id": "803"}, {"id": "804"}]}],
  "goals": [{"id": "901", "key": "purchase"}, {"id": "902", "key": "signup"}]}') AS project;

-- A batch of project 5001: visitors is the JSON text of the visitors array.
CREATE FUNCTION pg_temp.send(visitors text, enrich boolean DEFAULT true) RETURNS text LANGUAGE sql AS $$
    SELECT convert.track(4001, 5001, format('{"enrichData": %s, "accountId": "4001", "projectId": "5001", "visitors": %s, "source": "js4.4.3"}',
                                            to_json(enrich), visitors)::json) ->> 'message'
$$;
CREATE FUNCTION pg_temp.events(visitor text)
RETURNS TABLE (event_type text, experience_id bigint, variation_id bigint, goal_id bigint,
               amount numeric, transaction_id text, bucketing jsonb, segments jsonb)
LANGUAGE sql AS $$
    SELECT event_type, experience_id, variation_id, goal_id, amount, transaction_id, bucketing, segments
    FROM convert.events_with_segments WHERE project_id = 5001 AND visitor_id = visitor
    ORDER BY event_type, experience_id, variation_id, goal_id, amount NULLS FIRST, transaction_id
$$;

-- enrichData: a conversion without bucketingData gets the visitor's stored
-- bucketing; stored segments fill the ones not sent.
SELECT pg_temp.send('[{"visitorId": "alice", "events": [
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "802"}},
    {"eventType": "bucketing", "data": {"experienceId": "702", "variationId": "803"}}],
  "segments": {"country": "US", "browser": "CH"}}]');
-- (a new SDK process: no bucketingData, no segments)
SELECT pg_temp.send('[{"visitorId": "alice", "events": [
    {"eventType": "conversion", "data": {"goalId": "901"}}]}]');
-- both sent: the request wins per experience and per segment key
SELECT pg_temp.send('[{"visitorId": "alice", "events": [
    {"eventType": "conversion", "data": {"goalId": "902", "bucketingData": {"701": "801"}}}],
  "segments": {"browser": "FF", "visitorType": "returning"}}]');
SELECT * FROM pg_temp.events('alice');
-- the stored first assignment is unchanged by a conversion's bucketingData
SELECT experience_id, variation_id, segments FROM convert.visitor_bucketing_with_segments
WHERE project_id = 5001 AND visitor_id = 'alice' ORDER BY 1;

-- Decisions earlier in the same visitor entry count as stored; later ones do not.
SELECT pg_temp.send('[{"visitorId": "bob", "events": [
    {"eventType": "conversion", "data": {"goalId": "901"}},
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}},
    {"eventType": "conversion", "data": {"goalId": "902"}}]}]');
SELECT * FROM pg_temp.events('bob');

-- The segments of the latest first assignment are the stored ones.
SELECT pg_temp.send('[{"visitorId": "carol", "events": [
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}}],
  "segments": {"country": "FR"}}]');
UPDATE convert.visitor_bucketing SET bucketed_at = bucketed_at - interval '1 day' WHERE visitor_id = 'carol';
SELECT pg_temp.send('[{"visitorId": "carol", "events": [
    {"eventType": "bucketing", "data": {"experienceId": "702", "variationId": "804"}}],
  "segments": {"country": "BE"}}]');
SELECT pg_temp.send('[{"visitorId": "carol", "events": [{"eventType": "conversion", "data": {"goalId": "901"}}]}]');
SELECT * FROM pg_temp.events('carol');

-- enrichData false: stored as sent (the client keeps its own store).
SELECT pg_temp.send('[{"visitorId": "alice", "events": [
    {"eventType": "conversion", "data": {"goalId": "901", "goalData": [{"key": "amount", "value": 3}]}}]}]', false);
SELECT bucketing, segments FROM convert.events_with_segments
WHERE visitor_id = 'alice' AND amount = 3;

-- Duplicates.  A plain conversion of a goal counts once per visitor, in
-- later batches and within a batch, whatever enrichData says.
SELECT pg_temp.send('[{"visitorId": "dave", "events": [
    {"eventType": "conversion", "data": {"goalId": "901"}},
    {"eventType": "conversion", "data": {"goalId": "901"}},
    {"eventType": "conversion", "data": {"goalId": "902"}}]}]');
SELECT pg_temp.send('[{"visitorId": "dave", "events": [{"eventType": "conversion", "data": {"goalId": "901"}}]}]', false);
SELECT pg_temp.send('[{"visitorId": "erin", "events": [{"eventType": "conversion", "data": {"goalId": "901"}}]}]');
SELECT visitor_id, goal_id, count(*) FROM convert.events
WHERE visitor_id IN ('dave', 'erin') GROUP BY 1, 2 ORDER BY 1, 2;

-- A first conversion with data is two events; a new SDK process
-- sends both again: the plain one and the known transaction are dropped.
SELECT pg_temp.send('[{"visitorId": "frank", "events": [
    {"eventType": "conversion", "data": {"goalId": "901"}},
    {"eventType": "conversion", "data": {"goalId": "901", "goalData": [{"key": "amount", "value": 25}, {"key": "transactionId", "value": "order-1"}]}}]}]');
SELECT pg_temp.send('[{"visitorId": "frank", "events": [
    {"eventType": "conversion", "data": {"goalId": "901"}},
    {"eventType": "conversion", "data": {"goalId": "901", "goalData": [{"key": "amount", "value": 25}, {"key": "transactionId", "value": "order-1"}]}}]}]', false);
-- forceMultipleTransactions: a new transaction of the same goal counts, a
-- known transactionId does not (also within a batch); the same
-- transactionId on another goal is another transaction.
SELECT pg_temp.send('[{"visitorId": "frank", "events": [
    {"eventType": "conversion", "data": {"goalId": "901", "goalData": [{"key": "amount", "value": 30}, {"key": "transactionId", "value": "order-2"}]}},
    {"eventType": "conversion", "data": {"goalId": "901", "goalData": [{"key": "amount", "value": 30}, {"key": "transactionId", "value": "order-2"}]}},
    {"eventType": "conversion", "data": {"goalId": "902", "goalData": [{"key": "amount", "value": 1}, {"key": "transactionId", "value": "order-1"}]}}]}]');
-- without a transactionId, every forced transaction counts
SELECT pg_temp.send('[{"visitorId": "frank", "events": [
    {"eventType": "conversion", "data": {"goalId": "901", "goalData": [{"key": "amount", "value": 7}]}},
    {"eventType": "conversion", "data": {"goalId": "901", "goalData": [{"key": "amount", "value": 7}]}}]}]');
SELECT * FROM pg_temp.events('frank');
SELECT goal_id, transaction_id, visitor_id FROM convert.goal_transactions
WHERE project_id = 5001 ORDER BY 1, 2;

-- A re-sent identical batch (the SDK did not see our answer) stores
-- nothing, so revenue is not counted twice; a retry with new events
-- appended stores only what is new.
SELECT sum(amount) AS revenue_before FROM convert.events WHERE project_id = 5001;
SELECT convert.track(4001, 5001, '{"enrichData":true,"accountId":"4001","projectId":"5001","visitors":[{"visitorId":"gina","events":[{"eventType":"conversion","data":{"goalId":"901","goalData":[{"key":"amount","value":12.5}]}}]}],"source":"js4.4.3"}');
SELECT convert.track(4001, 5001, '{"enrichData":true,"accountId":"4001","projectId":"5001","visitors":[{"visitorId":"gina","events":[{"eventType":"conversion","data":{"goalId":"901","goalData":[{"key":"amount","value":12.5}]}}]}],"source":"js4.4.3"}');
SELECT sum(amount) AS revenue_after FROM convert.events WHERE project_id = 5001;
SELECT pg_temp.send('[{"visitorId": "gina", "events": [
    {"eventType": "conversion", "data": {"goalId": "902"}},
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}}]}]');
SELECT pg_temp.send('[{"visitorId": "gina", "events": [
    {"eventType": "conversion", "data": {"goalId": "902"}},
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}},
    {"eventType": "conversion", "data": {"goalId": "901"}}]}]');
SELECT * FROM pg_temp.events('gina');
-- After the retry window an identical batch is new again: its plain
-- conversion, bucketing and known transactions are still dropped.
UPDATE convert.track_batches SET received_at = received_at - convert.track_retry_window() - interval '1 second';
SELECT pg_temp.send('[{"visitorId": "gina", "events": [
    {"eventType": "conversion", "data": {"goalId": "902"}},
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}},
    {"eventType": "conversion", "data": {"goalId": "901"}}]}]');
-- ensure_event_partitions forgets digests older than the window.
SELECT count(*) AS digests_before FROM convert.track_batches WHERE project_id = 5001;
SELECT convert.ensure_event_partitions(now(), now()) AS created;
SELECT count(*) AS digests_after FROM convert.track_batches WHERE project_id = 5001;

-- Bucketing: a decision the visitor already has is not stored again; a
-- changed one (the stored variation vanished, or a forced variation) is
-- stored as an event, while visitor_bucketing keeps the first assignment.
SELECT pg_temp.send('[{"visitorId": "hank", "events": [
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}},
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}}]}]');
SELECT pg_temp.send('[{"visitorId": "hank", "events": [
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "801"}}]}]', false);
SELECT pg_temp.send('[{"visitorId": "hank", "events": [
    {"eventType": "bucketing", "data": {"experienceId": "701", "variationId": "802"}},
    {"eventType": "conversion", "data": {"goalId": "901"}}]}]');
SELECT * FROM pg_temp.events('hank');
SELECT experience_id, variation_id FROM convert.visitor_bucketing WHERE visitor_id = 'hank';

-- The same visitor id in two projects is two visitors.
SELECT convert.import_project('{"account_id": "4001", "project": {"id": "5002"},
  "goals": [{"id": "991", "key": "purchase"}]}') AS second_project;
SELECT convert.track(4001, 5002, '{"enrichData": true, "accountId": "4001", "projectId": "5002",
  "visitors": [{"visitorId": "dave", "events": [{"eventType": "conversion", "data": {"goalId": "991"}}]}]}') ->> 'message';
SELECT project_id, goal_id, bucketing FROM convert.events WHERE visitor_id = 'dave' ORDER BY 1, 2;
