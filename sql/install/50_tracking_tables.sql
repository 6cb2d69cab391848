-- Tracking storage: what convert.track() writes (docs/tracking.md).
--
-- Tracking rows are history, not configuration: none of these tables has a
-- foreign key to the project model, so re-importing or deleting a project's
-- config never deletes or blocks its tracked events.

-- One row per stored event.  Columns hold what analysis filters and groups
-- on; the rest of the event is kept as jsonb.  Partitioned by day (UTC) on
-- received_at; convert.ensure_event_partitions() creates the partitions.
CREATE TABLE convert.events (
    received_at    timestamptz NOT NULL,
    project_id     bigint NOT NULL,
    visitor_id     text NOT NULL,
    event_type     text NOT NULL
                   CONSTRAINT events_event_type_valid CHECK (event_type IN ('bucketing', 'conversion')),
    -- bucketing events: the decision
    experience_id  bigint,
    variation_id   bigint,
    -- conversion events: the goal, and the transaction fields of goalData
    goal_id        bigint,
    amount         numeric,
    products_count numeric,
    transaction_id text,
    goal_data      jsonb,            -- goalData exactly as sent (array of {key, value})
    bucketing      jsonb,            -- conversions: {experienceId: variationId} they are attributed to
    source         text,             -- the payload's source, e.g. "js4.4.3"
    -- the visitor's segments by reference (convert.segment_sets): those
    -- sent with the visitor entry, and with enrichData the stored ones
    -- they overlay; convert.events_with_segments joins them back
    segments_digest        bytea,
    stored_segments_digest bytea,
    CONSTRAINT events_shape CHECK (CASE event_type
        WHEN 'bucketing' THEN experience_id IS NOT NULL AND variation_id IS NOT NULL AND goal_id IS NULL
        ELSE goal_id IS NOT NULL AND experience_id IS NULL AND variation_id IS NULL END)
) PARTITION BY RANGE (received_at);

-- The partitions' indexes (project_id, visitor_id), (project_id,
-- experience_id, variation_id) of bucketing events and (project_id,
-- goal_id) of conversions are created with each partition by
-- convert_internal.create_event_partition, not declared on this parent: the parent
-- belongs to the extension, so partitioned indexes here would make
-- pg_restore create each partition's indexes twice.

-- Events have no key; they are only ever inserted, so identifying a row
-- whole costs nothing, and it lets logical replication (and Citus moving
-- shards to a new node) carry them.  Each partition gets the same.
ALTER TABLE convert.events REPLICA IDENTITY FULL;

COMMENT ON TABLE convert.events IS
'Tracked events, one row per stored event, partitioned by day (UTC) of received_at';

-- Each visitor's first assignment per experience; the backend's "stored
-- bucketing" that enrichData fills conversions from.  segments_digest
-- names the visitor's segments sent with that first bucketing event.
CREATE TABLE convert.visitor_bucketing (
    project_id      bigint NOT NULL,
    visitor_id      text NOT NULL,
    experience_id   bigint NOT NULL,
    variation_id    bigint NOT NULL,
    bucketed_at     timestamptz NOT NULL,
    segments_digest bytea,
    PRIMARY KEY (project_id, visitor_id, experience_id)
);
CREATE INDEX visitor_bucketing_experience
    ON convert.visitor_bucketing (project_id, experience_id, variation_id);

COMMENT ON TABLE convert.visitor_bucketing IS
'First variation each visitor was bucketed into, per experience';

-- Every distinct segments object ever sent, stored once and named by the
-- SHA-256 of its jsonb text (jsonb text is canonical: equal objects, equal
-- text).  Events and assignments refer to it by digest, so a visitor's
-- segments cost their size once, not once per event: a batch cannot store
-- more than a small multiple of its own bytes.  Rows are never deleted by
-- the extension (see docs/tracking.md, "Tables for analysts", to prune them).
CREATE TABLE convert.segment_sets (
    digest   bytea PRIMARY KEY
             CONSTRAINT segment_sets_digest_sha256 CHECK (pg_catalog.octet_length(digest) = 32),
    segments jsonb NOT NULL
);

COMMENT ON TABLE convert.segment_sets IS
'Visitor segments objects sent with tracking, once per distinct value, keyed by the SHA-256 of their jsonb text';

-- The digest of a segments object, stored in convert.segment_sets when it
-- is new: for filling segments_digest by hand (backfills, test data).
CREATE FUNCTION convert.segment_set_digest(segments jsonb)
RETURNS bytea
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, convert, pg_temp
AS $$
    INSERT INTO convert.segment_sets (digest, segments)
    VALUES (pg_catalog.sha256(pg_catalog.convert_to(segment_set_digest.segments::text, 'UTF8')),
            segment_set_digest.segments)
    ON CONFLICT (digest) DO NOTHING;
    SELECT pg_catalog.sha256(pg_catalog.convert_to(segment_set_digest.segments::text, 'UTF8'));
$$;
REVOKE ALL ON FUNCTION convert.segment_set_digest(jsonb) FROM PUBLIC;

-- Goals each visitor has converted on (the server-side twin of the SDK's
-- visitor store `goals`): a second plain conversion is a duplicate.
CREATE TABLE convert.visitor_goals (
    project_id   bigint NOT NULL,
    visitor_id   text NOT NULL,
    goal_id      bigint NOT NULL,
    converted_at timestamptz NOT NULL,
    PRIMARY KEY (project_id, visitor_id, goal_id)
);

-- Transactions (goalData transactionId) already counted per goal, so that a
-- re-sent transaction does not count its revenue twice.
CREATE TABLE convert.goal_transactions (
    project_id     bigint NOT NULL,
    goal_id        bigint NOT NULL,
    transaction_id text NOT NULL,
    visitor_id     text NOT NULL,
    received_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, goal_id, transaction_id)
);

-- Digests of recently stored batches: the SDK re-sends a whole batch when it
-- did not see our answer, so an identical batch within the retry window is
-- acknowledged without storing it again.  Pruned by ensure_event_partitions().
CREATE TABLE convert.track_batches (
    project_id  bigint NOT NULL,
    digest      bytea NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (project_id, digest)
);
CREATE INDEX track_batches_received ON convert.track_batches (received_at);

-- pg_dump keeps tracked data.  Partitions of convert.events are created at
-- run time, are not members of the extension, and are dumped as ordinary
-- tables attached to convert.events.
SELECT pg_catalog.pg_extension_config_dump('convert.events', '');
SELECT pg_catalog.pg_extension_config_dump('convert.visitor_bucketing', '');
SELECT pg_catalog.pg_extension_config_dump('convert.visitor_goals', '');
SELECT pg_catalog.pg_extension_config_dump('convert.goal_transactions', '');
SELECT pg_catalog.pg_extension_config_dump('convert.track_batches', '');
SELECT pg_catalog.pg_extension_config_dump('convert.segment_sets', '');

-- Events and assignments with their segments joined back, in the columns
-- of 0.1.0's tables.  With enrichData an event's segments are the stored
-- ones overlaid by the ones sent (NULL when that leaves nothing).
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
