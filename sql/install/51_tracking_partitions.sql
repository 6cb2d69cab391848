-- Daily partitions of convert.events, created ahead of need.
--
-- track() makes sure of the partition for the day it stores into and tries
-- the next one, so a partition normally exists a day before its first row
-- and the (briefly exclusive) creation does not happen under insert
-- traffic at midnight.  A cron job should call ensure_event_partitions
-- hourly, or with a longer horizon:
--   SELECT convert.ensure_event_partitions(now(), now() + interval '30 days');

-- The partition of convert.events that holds rows received on `day` (UTC).
CREATE FUNCTION convert_internal.event_partition_name(day date)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN 'events_' || pg_catalog.to_char(day, 'YYYYMMDD');

-- The partition for `day` with the indexes analysis filters on.
CREATE FUNCTION convert_internal.create_event_partition(day date)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    part text := convert_internal.event_partition_name(day);
BEGIN
    EXECUTE format('CREATE TABLE convert.%I PARTITION OF convert.events FOR VALUES FROM (%L) TO (%L)',
                   part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
    EXECUTE format('ALTER TABLE convert.%I REPLICA IDENTITY FULL', part);
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, visitor_id)',
                   part || '_visitor', part);
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, experience_id, variation_id)'
                   ' WHERE event_type = %L', part || '_experience', part, 'bucketing');
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, goal_id) WHERE event_type = %L',
                   part || '_goal', part, 'conversion');
END
$$;

-- Create the missing daily partitions for the UTC days first_day..last_day;
-- returns how many were created.  track() calls this on every batch, so the
-- common case is one catalog lookup.
CREATE FUNCTION convert_internal.ensure_event_partition_days(first_day date, last_day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    day     pg_catalog.date := first_day;
    created integer := 0;
BEGIN
    IF last_day - first_day > 3660 THEN
        RAISE EXCEPTION 'partition range too long: % days', last_day - first_day + 1
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create at most ten years of partitions per call.';
    END IF;
    WHILE day <= last_day LOOP
        IF to_regclass('convert.' || convert_internal.event_partition_name(day)) IS NULL THEN
            -- Serialise creators; the loser of a race sees the winner's table.
            PERFORM pg_advisory_xact_lock(hashtext('convert_internal.ensure_event_partition_days'));
            IF to_regclass('convert.' || convert_internal.event_partition_name(day)) IS NULL THEN
                -- The catalog snapshot may predate the winner's commit, so
                -- the check above can miss its table: the creation decides.
                BEGIN
                    PERFORM convert_internal.create_event_partition(day);
                    created := created + 1;
                EXCEPTION WHEN duplicate_table THEN
                    NULL;
                END;
            END IF;
        END IF;
        day := day + 1;
    END LOOP;
    RETURN created;
END
$$;

-- Create the partition for `day` unless that has to wait for a lock.
-- Creating a partition locks convert.events exclusively, so behind a long
-- query on the table it would queue every later track() call; track()
-- creates tomorrow's partition this way and leaves it to the next batch
-- (or to cron) when the table is busy.  Returns whether the partition exists.
CREATE FUNCTION convert_internal.try_event_partition_day(day date)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
SET lock_timeout = '100ms'
AS $$
BEGIN
    PERFORM convert_internal.ensure_event_partition_days(day, day);
    RETURN true;
EXCEPTION WHEN lock_not_available THEN
    RETURN false;
END
$$;

-- The maintenance entry point (cron): partitions for the days between the
-- two times, and forgetting batch digests older than the retry window.
CREATE FUNCTION convert.ensure_event_partitions(from_time timestamptz DEFAULT pg_catalog.now(),
                                                to_time timestamptz DEFAULT pg_catalog.now() + interval '7 days')
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    DELETE FROM convert.track_batches
    WHERE received_at < now() - convert.track_retry_window();
    RETURN convert_internal.ensure_event_partition_days((from_time AT TIME ZONE 'UTC')::pg_catalog.date,
                                               (to_time AT TIME ZONE 'UTC')::pg_catalog.date);
END
$$;

COMMENT ON FUNCTION convert.ensure_event_partitions(timestamptz, timestamptz) IS
'Creates the missing daily partitions of convert.events between the two times (UTC days) and prunes old batch digests; returns how many partitions were created';

REVOKE ALL ON FUNCTION convert_internal.create_event_partition(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION convert_internal.ensure_event_partition_days(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION convert_internal.try_event_partition_day(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION convert.ensure_event_partitions(timestamptz, timestamptz) FROM PUBLIC;
