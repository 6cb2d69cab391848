-- Validation of a tracking payload (docs/tracking.md, "Payload accepted").
--
-- The top level (accountId, projectId, enrichData, source, visitors) is
-- checked in PL/pgSQL by convert_internal.track_check_envelope (55_tracking_api.sql);
-- the visitors and their events by convert_internal.track_parse, in C, which
-- validates and flattens in one pass (thousands of events in milliseconds).
-- Either raises the first problem with its JSON path, before anything of
-- the batch is kept.

-- "is missing" / "must be a string, got number" / NULL when value has the
-- expected JSON type.
CREATE FUNCTION convert_internal.json_type_problem(value jsonb, expected text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE
    WHEN value IS NULL THEN 'is missing'
    WHEN pg_catalog.jsonb_typeof(value) = expected THEN NULL
    ELSE pg_catalog.format('must be %s %s, got %s',
                           CASE WHEN expected IN ('object', 'array') THEN 'an' ELSE 'a' END,
                           expected, pg_catalog.jsonb_typeof(value))
END;

-- Text quoted as a JSON string, for messages: "10035569".  At most 100
-- characters are quoted ("..." follows when more were sent), so a message
-- never echoes a client's megabytes.
CREATE FUNCTION convert_internal.json_quote(value text)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_json(pg_catalog."left"(value, 100))::text
       OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.length(value) > 100 THEN '...' ELSE '' END;

-- One row per event of a visitors array, in payload order (vi, ei: the
-- visitor's and the event's index), after checking every visitor and event
-- against the project: PT400 naming the JSON path of the first problem,
-- PT413 when the batch has more visitors or events than the limits, or a
-- segments or goalData object is larger than its limit.
--   segments: the visitor entry's segments, on its first event's row only
--   (NULL on the others), so that they are handled once per entry.
--   batch_bucketing: for a conversion, the bucketing decisions that came
--   before it in the same visitor entry, as {experienceId: variationId}.
--   amount, products_count, transaction_id: the first non-null value given
--   for that key in goalData.
--   repeated: an earlier event of the batch has the same duplicate key
--   (bucketing: visitor, experience, variation; plain conversion: visitor,
--   goal; conversion with a transactionId: goal, transactionId).
CREATE FUNCTION convert_internal.track_parse(project_id bigint, visitors jsonb,
                                    max_visitors integer, max_events integer,
                                    OUT vi integer, OUT ei integer, OUT visitor_id text,
                                    OUT segments jsonb, OUT event_type text,
                                    OUT experience_id bigint, OUT variation_id bigint,
                                    OUT goal_id bigint, OUT goal_data jsonb,
                                    OUT bucketing_data jsonb, OUT batch_bucketing jsonb,
                                    OUT amount numeric, OUT products_count numeric,
                                    OUT transaction_id text, OUT repeated boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'convert_track_parse'
LANGUAGE C STABLE STRICT;

REVOKE ALL ON FUNCTION convert_internal.track_parse(bigint, jsonb, integer, integer) FROM PUBLIC;
