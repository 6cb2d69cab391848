-- The Serving API's track endpoints (docs/sdk-behaviour.md, "Tracking requests"):
--   POST /v1/track/{sdk_key}                  convert.track(sdk_key, payload, authorization)
--   POST /v1/track/{account_id}/{project_id}  convert.track(account_id, project_id, payload)
-- Both answer {"code": 200, "message": ...} for a stored (or duplicate)
-- batch; request errors raise PT400/401/403/404/413 and store nothing.

-- Refuse the batch: the message names the JSON path and the problem.
CREATE FUNCTION convert_internal.track_reject(message text, sqlstate text DEFAULT 'PT400', hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    IF hint IS NULL THEN
        RAISE EXCEPTION USING MESSAGE = message, ERRCODE = sqlstate,
            DETAIL = 'The tracking batch was rejected; none of its events were stored.';
    END IF;
    RAISE EXCEPTION USING MESSAGE = message, ERRCODE = sqlstate, HINT = hint,
        DETAIL = 'The tracking batch was rejected; none of its events were stored.';
END
$$;

-- The payload's top level, in the SDK's key order; the visitors are
-- checked by convert_internal.track_parse while they are stored.
CREATE FUNCTION convert_internal.track_check_envelope(account_id bigint, project_id bigint, payload jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    problem text;
BEGIN
    IF payload IS NULL OR jsonb_typeof(payload) <> 'object' THEN
        PERFORM convert_internal.track_reject('payload: ' || convert_internal.json_type_problem(payload, 'object'));
    END IF;
    IF payload ? 'enrichData' THEN
        problem := convert_internal.json_type_problem(payload -> 'enrichData', 'boolean');
        IF problem IS NOT NULL THEN PERFORM convert_internal.track_reject('enrichData: ' || problem); END IF;
    END IF;
    problem := convert_internal.json_type_problem(payload -> 'accountId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert_internal.track_reject('accountId: ' || problem); END IF;
    IF payload ->> 'accountId' <> account_id::text THEN
        PERFORM convert_internal.track_reject(format('accountId: %s is not the account %s of this project',
                                            convert_internal.json_quote(payload ->> 'accountId'), account_id));
    END IF;
    problem := convert_internal.json_type_problem(payload -> 'projectId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert_internal.track_reject('projectId: ' || problem); END IF;
    IF payload ->> 'projectId' <> project_id::text THEN
        PERFORM convert_internal.track_reject(format('projectId: %s is not the project %s',
                                            convert_internal.json_quote(payload ->> 'projectId'), project_id));
    END IF;
    problem := convert_internal.json_type_problem(payload -> 'visitors', 'array');
    IF problem IS NOT NULL THEN PERFORM convert_internal.track_reject('visitors: ' || problem); END IF;
    IF payload ? 'source' THEN
        problem := convert_internal.json_type_problem(payload -> 'source', 'string');
        IF problem IS NOT NULL THEN PERFORM convert_internal.track_reject('source: ' || problem); END IF;
        -- stored with every event of the batch
        IF octet_length(payload ->> 'source') > convert.track_max_source_bytes() THEN
            PERFORM convert_internal.track_reject(format('source: %s bytes exceed the limit of %s bytes',
                                                octet_length(payload ->> 'source'),
                                                convert.track_max_source_bytes()),
                                         'PT413', 'The SDK sends its name and version, e.g. "js4.4.3".');
        END IF;
    END IF;
END
$$;

-- Events in a (checked) payload.
CREATE FUNCTION convert_internal.track_event_count(payload jsonb)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT coalesce(sum(pg_catalog.jsonb_array_length(v -> 'events')), 0)
        FROM pg_catalog.jsonb_array_elements(payload -> 'visitors') AS v);

-- Validate and store one batch for an already authorised project.  JIT is
-- off: compiling the batch's queries costs far more than running them.
CREATE FUNCTION convert_internal.track_batch(account_id bigint, project_id bigint, payload json)
RETURNS json
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
SET jit = off
AS $$
DECLARE
    body_bytes integer := octet_length(payload::text);
    doc jsonb;
    stored integer;
    total integer;
    today date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
    IF body_bytes > convert.track_max_payload_bytes() THEN
        PERFORM convert_internal.track_reject(format('payload: %s bytes exceed the limit of %s bytes',
                                            body_bytes, convert.track_max_payload_bytes()),
                                     'PT413', 'Send the events in smaller batches.');
    END IF;
    BEGIN
        doc := payload::jsonb;
    EXCEPTION WHEN untranslatable_character THEN
        -- valid JSON that jsonb cannot hold: "\u0000" in a string
        PERFORM convert_internal.track_reject('payload: ' || SQLERRM);
    END;
    PERFORM convert_internal.track_check_envelope(account_id, project_id, doc);

    -- An identical batch within the retry window was already stored.
    INSERT INTO convert.track_batches AS b (project_id, digest, received_at)
    VALUES (project_id, sha256(convert_to(payload::text, 'UTF8')), now())
    ON CONFLICT ON CONSTRAINT track_batches_pkey DO UPDATE SET received_at = EXCLUDED.received_at
        WHERE b.received_at < EXCLUDED.received_at - convert.track_retry_window();
    IF NOT FOUND THEN
        total := convert_internal.track_event_count(doc);
        RETURN json_build_object('code', 200,
                                 'message', format('duplicate batch: its %s events were already stored', total),
                                 'stored', 0, 'duplicates', total);
    END IF;

    PERFORM convert_internal.ensure_event_partition_days(today, today);
    IF to_regclass('convert.' || convert_internal.event_partition_name(today + 1)) IS NULL THEN
        PERFORM convert_internal.try_event_partition_day(today + 1);
    END IF;
    SELECT * INTO stored, total
    FROM convert_internal.track_store_events(project_id, doc -> 'visitors',
                                    coalesce((doc -> 'enrichData')::boolean, false),
                                    doc ->> 'source');
    RETURN json_build_object('code', 200, 'message', format('%s of %s events stored', stored, total),
                             'stored', stored, 'duplicates', total - stored);
END
$$;

-- POST /v1/track/{sdk_key}.  A browser's beacon cannot send headers, so a
-- missing secret is accepted (docs/sdk-behaviour.md); a wrong one is refused.  A
-- two-segment key that is not an SDK key is the account/project route, as
-- for the config.
CREATE FUNCTION convert.track(sdk_key text, payload json, authorization text DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    key record;
BEGIN
    IF sdk_key ~ '^[0-9]{1,18}/[0-9]{1,18}$'
       AND NOT EXISTS (SELECT FROM convert.sdk_keys k WHERE k.sdk_key = track.sdk_key) THEN
        RETURN convert.track(split_part(sdk_key, '/', 1)::bigint, split_part(sdk_key, '/', 2)::bigint,
                             payload);
    END IF;
    SELECT * INTO key
    FROM convert_internal.resolve_sdk_key(track.sdk_key, track.authorization, require_secret => false);
    RETURN convert_internal.track_batch(key.account_id, key.project_id, payload);
END
$$;

-- POST /v1/track/{account_id}/{project_id}: refused (PT403) for projects
-- with disable_default_config, like the config route.
CREATE FUNCTION convert.track(account_id bigint, project_id bigint, payload json)
RETURNS json
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT convert_internal.track_batch(account_id, convert_internal.resolve_project(account_id, project_id), payload)
$$;

COMMENT ON FUNCTION convert.track(text, json, text) IS
'Stores a tracking batch posted to /track/{sdk_key}; answers {"code": 200, "message": ...}';
COMMENT ON FUNCTION convert.track(bigint, bigint, json) IS
'Stores a tracking batch posted to /track/{account_id}/{project_id}; answers {"code": 200, "message": ...}';

REVOKE ALL ON FUNCTION convert_internal.track_reject(text, text, text),
                       convert_internal.track_check_envelope(bigint, bigint, jsonb),
                       convert_internal.track_event_count(jsonb),
                       convert_internal.track_batch(bigint, bigint, json),
                       convert_internal.track_store_events(bigint, jsonb, boolean, text),
                       convert.track(text, json, text),
                       convert.track(bigint, bigint, json) FROM PUBLIC;

-- The HTTP front ends call track as convert_api (39_config_grants.sql),
-- which has no table access: track reaches the tables as SECURITY DEFINER.
GRANT EXECUTE ON FUNCTION convert.track(text, json, text),
                          convert.track(bigint, bigint, json) TO convert_api;
