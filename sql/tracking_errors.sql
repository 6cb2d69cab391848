-- convert.track rejections: every check, its SQLSTATE and its message with
-- the JSON path; the limits (PT413); and atomicity: a rejected batch stores
-- nothing, wherever in the batch the problem is.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- pg_regress runs every test in one database: start from empty tracking tables.
TRUNCATE convert.events, convert.visitor_bucketing, convert.visitor_goals,
         convert.goal_transactions, convert.track_batches, convert.segment_sets;

SELECT convert.import_project('{"account_id": "2001", "project": {"id": "3001"},
  "experiences": [
    {"id": "401", "key": "e1", "status": "active", "variations": [{"id": "501"}, {"id": "502"}]},
    {"id": "402", "key": "e2", "status": "active", "variations": [{"id": "503"}]}],
  "goals": [{"id": "601", "key": "buy"}],
  "archived_experiences": ["409"]}') AS project;
SELECT convert.import_project('{"account_id": "2001", "project": {"id": "3002"},
  "experiences": [{"id": "411", "key": "other", "status": "active", "variations": [{"id": "511"}]}],
  "goals": [{"id": "611", "key": "other-goal"}]}') AS other_project;

-- Sends a payload to project 3001 and shows the outcome.
CREATE FUNCTION pg_temp.send(payload text) RETURNS text LANGUAGE sql AS $$
    SELECT regress.try(format('SELECT convert.track(2001, 3001, %L)', payload))
$$;
-- The same with one visitor "v" holding the given events.
CREATE FUNCTION pg_temp.send_events(events text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.send('{"enrichData": true, "accountId": "2001", "projectId": "3001", "visitors": [
                          {"visitorId": "v", "events": ' || events || '}]}')
$$;
-- One conversion of goal 601 with the given members added to its data.
CREATE FUNCTION pg_temp.send_conversion(data text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.send_events('[{"eventType": "conversion", "data": {"goalId": "601"' || data || '}}]')
$$;

-- The full error, as a client sees it.
\set VERBOSITY default
SELECT convert.track(2001, 3001, '{"accountId": "2001", "projectId": "3001", "visitors": [
  {"visitorId": "a", "events": []}, {"visitorId": "b", "events": []}, {"visitorId": "c", "events": []},
  {"visitorId": "d", "events": [{"eventType": "bucketin", "data": {}}]}]}');
\set VERBOSITY terse

-- Top level, in the SDK's key order.
SELECT pg_temp.send('[]') AS not_an_object;
SELECT pg_temp.send('"text"') AS a_string;
SELECT pg_temp.send('{"enrichData": "yes", "accountId": "2001", "projectId": "3001", "visitors": []}');
SELECT pg_temp.send('{"projectId": "3001", "visitors": []}');
SELECT pg_temp.send('{"accountId": 2001, "projectId": "3001", "visitors": []}');
SELECT pg_temp.send('{"accountId": "2002", "projectId": "3001", "visitors": []}');
SELECT pg_temp.send('{"accountId": "2001", "visitors": []}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": null, "visitors": []}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3002", "visitors": []}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001"}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": {}}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [], "source": 4}');
SELECT regress.try($$SELECT convert.track(2001, 3001, 'not json')$$) AS invalid_json;
SELECT regress.try($$SELECT convert.track(2001, 3001, NULL)$$) AS null_payload;
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "a\u0000b", "events": []}]}') AS nul_in_text;

-- Visitors.
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": ["v"]}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"events": []}]}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": 7, "events": []}]}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "", "events": []}]}');
SELECT pg_temp.send(format('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "%s", "events": []}]}',
                           repeat('x', 257))) AS visitor_id_too_long;
SELECT pg_temp.send(format('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "%s", "events": []}]}',
                           repeat('é', 128))) AS visitor_id_of_256_bytes;
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "v"}]}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "v", "events": {}}]}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "v", "events": [], "segments": ["US"]}]}');
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [{"visitorId": "v", "events": [], "segments": null}]}');

-- Events.
SELECT pg_temp.send_events('[1]');
SELECT pg_temp.send_events('[{"data": {}}]');
SELECT pg_temp.send_events('[{"eventType": 1, "data": {}}]');
SELECT pg_temp.send_events('[{"eventType": "Bucketing", "data": {}}]');
SELECT pg_temp.send_events('[{"eventType": "bücketing", "data": {}}]') AS utf8_in_message;
SELECT pg_temp.send_events('[{"eventType": "bucketing"}]');
SELECT pg_temp.send_events('[{"eventType": "conversion", "data": []}]');

-- Bucketing events: string ids of an experience of the project and one of its variations.
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"variationId": "501"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": 401, "variationId": "501"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "401"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "401", "variationId": 501}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "499", "variationId": "501"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "e1", "variationId": "501"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "0401", "variationId": "501"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "411", "variationId": "511"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "409", "variationId": "1"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "401", "variationId": "503"}}]');
SELECT pg_temp.send_events('[{"eventType": "bucketing", "data": {"experienceId": "401", "variationId": "599"}}]');

-- Conversion events: a goal of the project.
SELECT pg_temp.send_events('[{"eventType": "conversion", "data": {}}]');
SELECT pg_temp.send_events('[{"eventType": "conversion", "data": {"goalId": 601}}]');
SELECT pg_temp.send_events('[{"eventType": "conversion", "data": {"goalId": "699"}}]');
SELECT pg_temp.send_events('[{"eventType": "conversion", "data": {"goalId": "611"}}]');

-- goalData: an array of {key, value}; the schema's keys carry typed values.
SELECT pg_temp.send_conversion(', "goalData": {"amount": 5}');
SELECT pg_temp.send_conversion(', "goalData": [5]');
SELECT pg_temp.send_conversion(', "goalData": [{"value": 5}]');
SELECT pg_temp.send_conversion(', "goalData": [{"key": 1, "value": 5}]');
SELECT pg_temp.send_conversion(', "goalData": [{"key": "amount"}]');
SELECT pg_temp.send_conversion(', "goalData": [{"key": "amount", "value": 1}, {"key": "amount", "value": "5"}]');
SELECT pg_temp.send_conversion(', "goalData": [{"key": "productsCount", "value": true}]');
SELECT pg_temp.send_conversion(', "goalData": [{"key": "transactionId", "value": {"id": 1}}]');
SELECT pg_temp.send_conversion(format(', "goalData": [{"key": "transactionId", "value": "%s"}]', repeat('t', 1025)));
SELECT pg_temp.send_conversion(', "goalData": [{"key": "customDimension1", "value": ["a", 2]}]');
SELECT pg_temp.send_conversion(', "goalData": [{"key": "customDimension5", "value": {}}]');

-- bucketingData: {experienceId: variationId} of the project.
SELECT pg_temp.send_conversion(', "bucketingData": ["401"]');
SELECT pg_temp.send_conversion(', "bucketingData": {"401": 501}');
SELECT pg_temp.send_conversion(', "bucketingData": {"499": "501"}');
SELECT pg_temp.send_conversion(', "bucketingData": {"401": "501", "实验": "501"}') AS utf8_key;
SELECT pg_temp.send_conversion(', "bucketingData": {"401": "503"}');
SELECT pg_temp.send_conversion(', "bucketingData": {"409": "1", "401": "502"}') AS archived_experience_is_fine;

-- The first problem in payload order is the one reported.
SELECT pg_temp.send('{"accountId": "2001", "projectId": "3001", "visitors": [
  {"visitorId": "v0", "events": [{"eventType": "conversion", "data": {"goalId": "601"}}]},
  {"visitorId": "v1", "events": [{"eventType": "conversion", "data": {"goalId": "601"}},
                                 {"eventType": "conversion", "data": {"goalId": "601", "goalData": [{"key": "amount", "value": "x"}],
                                                                      "bucketingData": {"499": "1"}}},
                                 {"eventType": "nope"}]},
  {"visitorId": 5}]}');

-- Limits: visitors and events per batch, and payload bytes (PT413).
SELECT convert.track_max_visitors() AS max_visitors, convert.track_max_events() AS max_events,
       convert.track_max_payload_bytes() AS max_payload_bytes;
SELECT pg_temp.send(json_build_object('accountId', '2001', 'projectId', '3001', 'visitors',
    (SELECT json_agg(json_build_object('visitorId', 'v' || g, 'events', '[]'::json))
     FROM generate_series(1, 10001) g))::text) AS too_many_visitors;
SELECT pg_temp.send(json_build_object('accountId', '2001', 'projectId', '3001', 'visitors', json_build_array(
    json_build_object('visitorId', 'v', 'events',
        (SELECT json_agg(json_build_object('eventType', 'conversion', 'data', json_build_object('goalId', '601')))
         FROM generate_series(1, 10001)))))::text) AS too_many_events;
SELECT pg_temp.send(json_build_object('accountId', '2001', 'projectId', '3001', 'visitors', '[]'::json,
                                      'source', repeat('x', 8388608))::text) AS too_many_bytes;
-- Exactly at the limits is fine.
SELECT pg_temp.send(json_build_object('accountId', '2001', 'projectId', '3001', 'visitors', json_build_array(
    json_build_object('visitorId', 'v', 'events',
        (SELECT json_agg(json_build_object('eventType', 'conversion', 'data', json_build_object('goalId', '601')))
         FROM generate_series(1, 10000)))))::text) AS max_events_ok;
TRUNCATE convert.events, convert.visitor_goals, convert.track_batches;

-- Atomicity: valid visitors around an invalid event in the middle of a
-- batch; nothing of it is stored, in any table.
SELECT pg_temp.send('{"enrichData": true, "accountId": "2001", "projectId": "3001", "visitors": [
  {"visitorId": "first", "events": [
     {"eventType": "bucketing", "data": {"experienceId": "401", "variationId": "501"}},
     {"eventType": "conversion", "data": {"goalId": "601"}},
     {"eventType": "conversion", "data": {"goalId": "601", "goalData": [{"key": "transactionId", "value": "T1"}]}}]},
  {"visitorId": "middle", "events": [
     {"eventType": "bucketing", "data": {"experienceId": "402", "variationId": "503"}},
     {"eventType": "conversion", "data": {"goalId": "601", "goalData": [{"key": "amount", "value": "ten"}]}},
     {"eventType": "conversion", "data": {"goalId": "601"}}]},
  {"visitorId": "last", "events": [
     {"eventType": "bucketing", "data": {"experienceId": "401", "variationId": "502"}}]}]}');
SELECT (SELECT count(*) FROM convert.events) AS events,
       (SELECT count(*) FROM convert.visitor_bucketing) AS visitor_bucketing,
       (SELECT count(*) FROM convert.visitor_goals) AS visitor_goals,
       (SELECT count(*) FROM convert.goal_transactions) AS goal_transactions,
       (SELECT count(*) FROM convert.track_batches) AS track_batches;
-- Fixed, the same batch stores whole.
SELECT pg_temp.send('{"enrichData": true, "accountId": "2001", "projectId": "3001", "visitors": [
  {"visitorId": "first", "events": [
     {"eventType": "bucketing", "data": {"experienceId": "401", "variationId": "501"}},
     {"eventType": "conversion", "data": {"goalId": "601"}},
     {"eventType": "conversion", "data": {"goalId": "601", "goalData": [{"key": "transactionId", "value": "T1"}]}}]},
  {"visitorId": "middle", "events": [
     {"eventType": "bucketing", "data": {"experienceId": "402", "variationId": "503"}},
     {"eventType": "conversion", "data": {"goalId": "601", "goalData": [{"key": "amount", "value": 10}]}},
     {"eventType": "conversion", "data": {"goalId": "601"}}]},
  {"visitorId": "last", "events": [
     {"eventType": "bucketing", "data": {"experienceId": "401", "variationId": "502"}}]}]}');
SELECT (SELECT count(*) FROM convert.events) AS events,
       (SELECT count(*) FROM convert.visitor_bucketing) AS visitor_bucketing,
       (SELECT count(*) FROM convert.visitor_goals) AS visitor_goals,
       (SELECT count(*) FROM convert.goal_transactions) AS goal_transactions,
       (SELECT count(*) FROM convert.track_batches) AS track_batches;
