-- The track routes for PostgREST (POST, READ WRITE: VOLATILE).  A function
-- whose only parameter is an unnamed json receives the whole request body,
-- so nothing else can come from the URL: the SDK key arrives in the
-- convert-sdk-key header (a reverse proxy fills it from the SDK's path,
-- docs/postgrest.md), and the account/project route takes the ids the
-- payload carries anyway.

-- Track answers are never cached.
CREATE FUNCTION convert_internal.rest_track_answer(answer json)
RETURNS json
LANGUAGE sql VOLATILE
AS $$
    SELECT answer FROM convert_internal.rest_set_headers(ARRAY['Cache-Control'], ARRAY['no-store'])
$$;

-- POST /rpc/track, header convert-sdk-key (also "<account_id>/<project_id>").
-- The secret is optional, as for browsers' beacons; a wrong one is refused.
CREATE FUNCTION convert_rest.track(json)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    sdk_key constant pg_catalog.text := convert_internal.rest_header('convert-sdk-key');
BEGIN
    IF sdk_key IS NULL THEN
        RAISE EXCEPTION 'missing sdk key' USING ERRCODE = 'PT400',
            DETAIL = 'POST /rpc/track takes the sdk key from the convert-sdk-key header, which was not sent.',
            HINT = 'Send the header "convert-sdk-key: <sdk key>", or post to /rpc/track_project.';
    END IF;
    RETURN convert_internal.rest_track_answer(convert.track(sdk_key, $1, convert_internal.rest_sdk_secret()));
END
$$;

-- POST /rpc/track_project: the payload's accountId and projectId name the
-- project; refused (PT403) for projects with disable_default_config.
CREATE FUNCTION convert_rest.track_project(json)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    ids pg_catalog.text[];
BEGIN
    IF json_typeof($1) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'payload: expected an object' USING ERRCODE = 'PT400',
            DETAIL = 'The tracking batch was rejected; none of its events were stored.';
    END IF;
    ids := ARRAY[$1 ->> 'accountId', $1 ->> 'projectId'];
    IF json_typeof($1 -> 'accountId') IS DISTINCT FROM 'string' OR ids[1] !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'accountId: expected the account id as a string of digits' USING ERRCODE = 'PT400',
            DETAIL = 'The tracking batch was rejected; none of its events were stored.';
    END IF;
    IF json_typeof($1 -> 'projectId') IS DISTINCT FROM 'string' OR ids[2] !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'projectId: expected the project id as a string of digits' USING ERRCODE = 'PT400',
            DETAIL = 'The tracking batch was rejected; none of its events were stored.';
    END IF;
    RETURN convert_internal.rest_track_answer(convert.track(ids[1]::bigint, ids[2]::bigint, $1));
END
$$;

COMMENT ON FUNCTION convert_rest.track(json) IS
'POST /rpc/track with header convert-sdk-key: stores a tracking batch (convert.track by sdk key)';
COMMENT ON FUNCTION convert_rest.track_project(json) IS
'POST /rpc/track_project: stores a tracking batch for the payload''s accountId/projectId';

REVOKE ALL ON FUNCTION convert_internal.rest_track_answer(json) FROM PUBLIC;
