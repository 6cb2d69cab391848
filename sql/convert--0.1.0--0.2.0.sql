-- convert 0.1.0 -> 0.2.0
--
-- Brings a database that installed 0.1.0 to exactly the state of a fresh
-- 0.2.0 install (sql/install/); test/upgrade/upgrade_test.sh compares the two
-- object by object.  One section per area; each change to sql/install/ has its
-- counterpart here, in the section of its area.

\echo Use "ALTER EXTENSION convert UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Security: search_path, privileges, internal helpers
-- ---------------------------------------------------------------------------

-- Every function that pins its search_path ends it with pg_temp: without it
-- PostgreSQL searches the caller's temporary schema first for types and
-- tables, and a caller's domain could run its code as the owner.  In 0.1.0
-- each such function had exactly "pg_catalog, convert"; ALTER changes that
-- one setting in place and keeps the others (jit, lock_timeout, ...).
DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                   AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'convert'
        WHERE 'search_path=pg_catalog, convert' = ANY (p.proconfig)
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, convert, pg_temp', f);
    END LOOP;
END
$$;


-- ---------------------------------------------------------------------------
-- Tracking: per-visitor segments, request limits
-- ---------------------------------------------------------------------------

-- A visitor's segments are stored once per distinct object in
-- convert.segment_sets (keyed by the SHA-256 of their jsonb text) instead of
-- in every event and assignment row.  0.1.0's segments move there: each
-- event keeps the object it stored (already enriched) as segments_digest,
-- so convert.events_with_segments shows exactly what 0.1.0 stored.
CREATE TABLE convert.segment_sets (
    digest   bytea PRIMARY KEY
             CONSTRAINT segment_sets_digest_sha256 CHECK (pg_catalog.octet_length(digest) = 32),
    segments jsonb NOT NULL
);

COMMENT ON TABLE convert.segment_sets IS
'Visitor segments objects sent with tracking, once per distinct value, keyed by the SHA-256 of their jsonb text';

SELECT pg_catalog.pg_extension_config_dump('convert.segment_sets', '');

INSERT INTO convert.segment_sets (digest, segments)
SELECT pg_catalog.sha256(pg_catalog.convert_to(s.segments::text, 'UTF8')), s.segments
FROM (SELECT e.segments FROM convert.events AS e WHERE e.segments IS NOT NULL
      UNION
      SELECT vb.segments FROM convert.visitor_bucketing AS vb WHERE vb.segments IS NOT NULL) AS s;

ALTER TABLE convert.events ADD COLUMN segments_digest bytea, ADD COLUMN stored_segments_digest bytea;
UPDATE convert.events
SET segments_digest = pg_catalog.sha256(pg_catalog.convert_to(segments::text, 'UTF8'))
WHERE segments IS NOT NULL;
ALTER TABLE convert.events DROP COLUMN segments;

ALTER TABLE convert.visitor_bucketing ADD COLUMN segments_digest bytea;
UPDATE convert.visitor_bucketing
SET segments_digest = pg_catalog.sha256(pg_catalog.convert_to(segments::text, 'UTF8'))
WHERE segments IS NOT NULL;
ALTER TABLE convert.visitor_bucketing DROP COLUMN segments;

CREATE VIEW convert.events_with_segments AS
SELECT e.received_at, e.project_id, e.visitor_id, e.event_type, e.experience_id, e.variation_id,
       e.goal_id, e.amount, e.products_count, e.transaction_id, e.goal_data, e.bucketing,
       CASE WHEN e.stored_segments_digest IS NULL THEN sent.segments
            ELSE NULLIF(stored.segments OPERATOR(pg_catalog.||) COALESCE(sent.segments, '{}'::jsonb),
                        '{}'::jsonb)
       END AS segments,
       e.source
FROM convert.events AS e
LEFT JOIN convert.segment_sets AS sent ON sent.digest = e.segments_digest
LEFT JOIN convert.segment_sets AS stored ON stored.digest = e.stored_segments_digest;

CREATE VIEW convert.visitor_bucketing_with_segments AS
SELECT vb.project_id, vb.visitor_id, vb.experience_id, vb.variation_id, vb.bucketed_at, s.segments
FROM convert.visitor_bucketing AS vb
LEFT JOIN convert.segment_sets AS s ON s.digest = vb.segments_digest;

COMMENT ON VIEW convert.events_with_segments IS
'convert.events with each event''s segments object (enriched when enrichData was true)';
COMMENT ON VIEW convert.visitor_bucketing_with_segments IS
'convert.visitor_bucketing with the segments sent with each first assignment';

-- Limits on free-form input: source (stored with every event); segments
-- and goalData are checked by convert.track_parse (C).
CREATE FUNCTION convert.track_max_source_bytes()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 256;
REVOKE ALL ON FUNCTION convert.track_max_source_bytes() FROM PUBLIC;
COMMENT ON FUNCTION convert.track_max_source_bytes() IS 'Longest source string of a track() payload, in bytes';

-- Messages quote at most 100 characters of what a client sent.
CREATE OR REPLACE FUNCTION convert.json_quote(value text)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_json(pg_catalog."left"(value, 100))::text
       OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.length(value) > 100 THEN '...' ELSE '' END;

-- Segments written by reference.
CREATE OR REPLACE FUNCTION convert.track_store_events(target_project bigint, visitors jsonb,
                                           enrich boolean, batch_source text,
                                           OUT stored integer, OUT total integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- one plan for every batch: planning this statement costs as much as
-- running it for an SDK-sized batch, and no argument changes the best plan
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    received timestamptz := now();
BEGIN
    WITH ev AS MATERIALIZED (
        -- kind: b bucketing, g plain conversion, t transaction, r other revenue
        SELECT r.*,
               CASE WHEN r.event_type = 'bucketing' THEN 'b'
                    WHEN r.goal_data IS NULL THEN 'g'
                    WHEN r.transaction_id IS NOT NULL THEN 't'
                    ELSE 'r' END AS kind
        FROM convert.track_parse(target_project, visitors,
                                 convert.track_max_visitors(), convert.track_max_events()) AS r
    ), sent AS MATERIALIZED (
        -- each visitor entry's segments (track_parse gives them on the
        -- entry's first row only), hashed once
        SELECT ev.vi, ev.segments, ev.segments = '{}' AS empty,
               sha256(convert_to(ev.segments::text, 'UTF8')) AS digest
        FROM ev
        WHERE ev.segments IS NOT NULL
    ), new_segments AS (
        -- stored once per distinct value, however many events refer to it
        INSERT INTO convert.segment_sets AS ss (digest, segments)
        SELECT DISTINCT ON (sent.digest) sent.digest, sent.segments
        FROM sent
        ON CONFLICT (digest) DO NOTHING
    ), entry AS (
        -- every event with its visitor entry's segments digest
        SELECT ev.*, sent.digest AS sent_digest, sent.empty AS sent_empty
        FROM ev
        LEFT JOIN sent USING (vi)
    ), stored_state AS (
        -- each visitor's stored assignments (before this batch) and latest
        -- segments, read per visitor by primary key (LATERAL): the visitors
        -- of a batch are few next to the table
        SELECT v.visitor_id, st.bucketing, st.segments_digest
        FROM (SELECT DISTINCT ev.visitor_id FROM ev) AS v,
             LATERAL (SELECT jsonb_object_agg(vb.experience_id::text, vb.variation_id::text) AS bucketing,
                             (array_agg(vb.segments_digest ORDER BY vb.bucketed_at DESC)
                                  FILTER (WHERE vb.segments_digest IS NOT NULL))[1] AS segments_digest
                      FROM convert.visitor_bucketing AS vb
                      WHERE vb.project_id = target_project AND vb.visitor_id = v.visitor_id) AS st
    ), new_assignment AS (
        INSERT INTO convert.visitor_bucketing AS vb
            (project_id, visitor_id, experience_id, variation_id, bucketed_at, segments_digest)
        -- the first decision per experience wins: ev is in payload order, and
        -- a later row of this statement conflicts with the earlier one
        SELECT target_project, ev.visitor_id, ev.experience_id, ev.variation_id, received, ev.sent_digest
        FROM entry AS ev
        WHERE ev.kind = 'b' AND NOT ev.repeated
        ON CONFLICT (project_id, visitor_id, experience_id) DO NOTHING
    ), new_goal AS (
        INSERT INTO convert.visitor_goals AS vg (project_id, visitor_id, goal_id, converted_at)
        SELECT target_project, ev.visitor_id, ev.goal_id, received
        FROM ev
        WHERE ev.kind = 'g' AND NOT ev.repeated
        ON CONFLICT (project_id, visitor_id, goal_id) DO NOTHING
        RETURNING vg.visitor_id, vg.goal_id
    ), new_transaction AS (
        INSERT INTO convert.goal_transactions AS gt
            (project_id, goal_id, transaction_id, visitor_id, received_at)
        SELECT target_project, ev.goal_id, ev.transaction_id, ev.visitor_id, received
        FROM ev
        WHERE ev.kind = 't' AND NOT ev.repeated
        ON CONFLICT (project_id, goal_id, transaction_id) DO NOTHING
        RETURNING gt.goal_id, gt.transaction_id
    ), stored_event AS (
        INSERT INTO convert.events
            (received_at, project_id, visitor_id, event_type, experience_id, variation_id, goal_id,
             amount, products_count, transaction_id, goal_data, bucketing, source,
             segments_digest, stored_segments_digest)
        SELECT received, target_project, ev.visitor_id, ev.event_type, ev.experience_id, ev.variation_id,
               ev.goal_id, ev.amount, ev.products_count, ev.transaction_id, ev.goal_data,
               CASE WHEN ev.event_type <> 'conversion' THEN NULL
                    WHEN enrich THEN nullif(coalesce(s.bucketing, '{}') || coalesce(ev.batch_bucketing, '{}')
                                            || coalesce(ev.bucketing_data, '{}'), '{}')
                    ELSE ev.bucketing_data END,
               batch_source,
               -- the view convert.events_with_segments overlays the two
               -- (its result is what 0.1.0 stored); an empty object sent
               -- with nothing stored under it enriches to NULL
               CASE WHEN enrich AND s.segments_digest IS NULL AND ev.sent_empty THEN NULL
                    ELSE ev.sent_digest END,
               CASE WHEN enrich THEN s.segments_digest END
        FROM entry AS ev
        LEFT JOIN stored_state AS s ON s.visitor_id = ev.visitor_id
        WHERE NOT ev.repeated
          AND CASE ev.kind
              WHEN 'b' THEN s.bucketing ->> ev.experience_id::text IS DISTINCT FROM ev.variation_id::text
              WHEN 'g' THEN (ev.visitor_id, ev.goal_id) IN (SELECT visitor_id, goal_id FROM new_goal)
              WHEN 't' THEN (ev.goal_id, ev.transaction_id) IN (SELECT goal_id, transaction_id FROM new_transaction)
              ELSE true
              END
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM stored_event), (SELECT count(*) FROM ev) INTO stored, total;
END
$$;

-- The source limit.
CREATE OR REPLACE FUNCTION convert.track_check_envelope(account_id bigint, project_id bigint, payload jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    problem text;
BEGIN
    IF payload IS NULL OR jsonb_typeof(payload) <> 'object' THEN
        PERFORM convert.track_reject('payload: ' || convert.json_type_problem(payload, 'object'));
    END IF;
    IF payload ? 'enrichData' THEN
        problem := convert.json_type_problem(payload -> 'enrichData', 'boolean');
        IF problem IS NOT NULL THEN PERFORM convert.track_reject('enrichData: ' || problem); END IF;
    END IF;
    problem := convert.json_type_problem(payload -> 'accountId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('accountId: ' || problem); END IF;
    IF payload ->> 'accountId' <> account_id::text THEN
        PERFORM convert.track_reject(format('accountId: %s is not the account %s of this project',
                                            convert.json_quote(payload ->> 'accountId'), account_id));
    END IF;
    problem := convert.json_type_problem(payload -> 'projectId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('projectId: ' || problem); END IF;
    IF payload ->> 'projectId' <> project_id::text THEN
        PERFORM convert.track_reject(format('projectId: %s is not the project %s',
                                            convert.json_quote(payload ->> 'projectId'), project_id));
    END IF;
    problem := convert.json_type_problem(payload -> 'visitors', 'array');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('visitors: ' || problem); END IF;
    IF payload ? 'source' THEN
        problem := convert.json_type_problem(payload -> 'source', 'string');
        IF problem IS NOT NULL THEN PERFORM convert.track_reject('source: ' || problem); END IF;
        -- stored with every event of the batch
        IF octet_length(payload ->> 'source') > convert.track_max_source_bytes() THEN
            PERFORM convert.track_reject(format('source: %s bytes exceed the limit of %s bytes',
                                                octet_length(payload ->> 'source'),
                                                convert.track_max_source_bytes()),
                                         'PT413', 'The SDK sends its name and version, e.g. "js4.4.3".');
        END IF;
    END IF;
END
$$;


-- ---------------------------------------------------------------------------
-- Config serving: invalidation of keys and debug tokens
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Decisions
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Analysis
-- ---------------------------------------------------------------------------

