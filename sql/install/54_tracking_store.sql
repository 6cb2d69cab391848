-- Storing a tracking batch: checked, duplicates dropped, enrichData applied,
-- every table written by one set-based statement (no per-event work in
-- PL/pgSQL).  Policies are documented in docs/tracking.md.

-- Store the visitors of a batch of project target_project (their checks
-- are part of the same statement: convert_internal.track_parse raises on the first
-- problem, and then nothing is stored).  Returns the number of events
-- stored and of events in the batch; the difference were duplicates.
--
-- Duplicates (whatever enrichData says, since a client that keeps its own
-- visitor store only repeats events when it re-sends a batch):
--   bucketing   the visitor's stored assignment for the experience already
--               is this variation, or the same decision came earlier in the batch
--   conversion without goalData: the visitor already converted on the goal
--   conversion with a transactionId: the goal already has that transaction
--   other conversions with goalData are kept (forceMultipleTransactions).
-- enrichData: a conversion's bucketing is the visitor's stored bucketing,
-- overlaid by the decisions before it in its visitor entry, then by its
-- own bucketingData (later wins per experience); segments are the stored
-- ones overlaid by the sent ones.  Segments are stored once per distinct
-- object in convert.segment_sets and events refer to them by digest.
CREATE FUNCTION convert_internal.track_store_events(target_project bigint, visitors jsonb,
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
    -- distributed tables need statements Citus can route (docs/citus.md)
    IF convert_internal.citus_tracking() THEN
        SELECT * INTO stored, total
        FROM convert_internal.track_store_events_citus(target_project, visitors, enrich, batch_source);
        RETURN;
    END IF;
    WITH ev AS MATERIALIZED (
        -- kind: b bucketing, g plain conversion, t transaction, r other revenue
        SELECT r.*,
               CASE WHEN r.event_type = 'bucketing' THEN 'b'
                    WHEN r.goal_data IS NULL THEN 'g'
                    WHEN r.transaction_id IS NOT NULL THEN 't'
                    ELSE 'r' END AS kind
        FROM convert_internal.track_parse(target_project, visitors,
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
