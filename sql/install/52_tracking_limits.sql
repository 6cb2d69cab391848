-- Limits of convert.track(), documented in docs/tracking.md.  A batch
-- over a limit is refused with SQLSTATE PT413 and nothing of it is stored.
-- The SDK sends 10 events per batch by default, but it re-sends failed
-- batches with new events appended, so after an outage batches grow; the
-- limits leave room for hours of queued events.

CREATE FUNCTION convert.track_max_events()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000;

CREATE FUNCTION convert.track_max_visitors()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000;

-- Bytes of the payload's JSON text.
CREATE FUNCTION convert.track_max_payload_bytes()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 8388608;

-- Bytes of the payload's source (stored with every event of the batch).
CREATE FUNCTION convert.track_max_source_bytes()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 256;
REVOKE ALL ON FUNCTION convert.track_max_source_bytes() FROM PUBLIC;

-- An identical batch received again within this window is a retry.
CREATE FUNCTION convert.track_retry_window()
RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN interval '1 hour';

COMMENT ON FUNCTION convert.track_max_events() IS 'Most events one track() batch may hold';
COMMENT ON FUNCTION convert.track_max_visitors() IS 'Most visitors one track() batch may hold';
COMMENT ON FUNCTION convert.track_max_payload_bytes() IS 'Largest track() payload, in bytes of JSON text';
COMMENT ON FUNCTION convert.track_max_source_bytes() IS 'Longest source string of a track() payload, in bytes';
COMMENT ON FUNCTION convert.track_retry_window() IS 'How long an identical track() batch counts as a retry';
