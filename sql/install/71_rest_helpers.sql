-- Helpers of the convert_rest wrappers: PostgREST's request context in, HTTP
-- caching headers out.  They live in schema convert (not exposed) and are
-- closed to PUBLIC; the wrappers reach them as SECURITY DEFINER.

-- A request header (PostgREST passes them as JSON with lower-cased names);
-- NULL when absent or blank, or outside a PostgREST request.
CREATE FUNCTION convert_internal.rest_header(name text)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT nullif(pg_catalog.btrim(nullif(pg_catalog.current_setting('request.headers', true), '')::json
                                   ->> rest_header.name), '')
$$;

-- The SDK key's secret: the convert-sdk-secret header, which a reverse proxy
-- fills from the SDK's Authorization header; else Authorization itself,
-- which reaches the function only when PostgREST accepted it as a JWT (the
-- deployment then uses such a JWT as the key's secret).  Both may carry
-- "Bearer ".
CREATE FUNCTION convert_internal.rest_sdk_secret()
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(convert_internal.rest_header('convert-sdk-secret'), convert_internal.rest_header('authorization'))
$$;

-- Whether an If-None-Match list names this (strong) tag: "*" or any
-- member, a W/ prefix ignored (the weak comparison RFC 9110 asks for here).
CREATE FUNCTION convert_internal.rest_etag_matches(if_none_match text, etag text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.regexp_split_to_table(if_none_match, ',') AS t(member)
                   WHERE pg_catalog.btrim(t.member, E' \t') = '*'
                      OR pg_catalog.regexp_replace(pg_catalog.btrim(t.member, E' \t'), '^W/', '') = etag)
$$;

-- Cache-Control of a config answer, as convert-proxy gives it with its
-- default max-age: shared caches may keep a config fetched without secret;
-- one fetched with a secret is for that client only; debug answers and the
-- SDK's _conv_low_cache requests are revalidated every time.
CREATE FUNCTION convert_internal.rest_config_cache_control(with_secret boolean, debug boolean, low_cache text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN debug OR low_cache <> '0' THEN 'no-cache'
                WHEN with_secret THEN 'private, max-age=60'
                ELSE 'public, max-age=60' END
$$;

-- Sets PostgREST's response.headers: an array of single-key objects, the
-- shape PostgREST reads.  CORS: PostgREST's own middleware answers
-- preflights and adds Access-Control-Allow-Origin to every request that
-- has an Origin, after the function's headers; a second Allow-Origin here
-- would make browsers refuse the answer.  Its list of exposed headers lacks
-- ETag, so that one is added (browsers join repeated list headers).
CREATE FUNCTION convert_internal.rest_set_headers(names text[], header_values text[])
RETURNS void
LANGUAGE sql VOLATILE
AS $$
    SELECT pg_catalog.set_config('response.headers',
        pg_catalog.json_agg(pg_catalog.json_build_object(h.name, h.value) ORDER BY h.n)::text, true)
    FROM ROWS FROM (pg_catalog.unnest(names || ARRAY['Access-Control-Expose-Headers']),
                    pg_catalog.unnest(header_values || ARRAY['ETag'])) WITH ORDINALITY AS h(name, value, n)
$$;

-- A config answer: strong ETag (md5 of the exact body) and Cache-Control;
-- 304 without a body when If-None-Match names the tag.
CREATE FUNCTION convert_internal.rest_config_answer(body json, cache_control text)
RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    etag constant text := '"' || pg_catalog.md5(body::text) || '"';
BEGIN
    PERFORM convert_internal.rest_set_headers(ARRAY['ETag', 'Cache-Control'], ARRAY[etag, cache_control]);
    IF convert_internal.rest_etag_matches(convert_internal.rest_header('if-none-match'), etag) THEN
        PERFORM pg_catalog.set_config('response.status', '304', true);
        RETURN NULL;
    END IF;
    RETURN body;
END
$$;

REVOKE ALL ON FUNCTION convert_internal.rest_header(text), convert_internal.rest_sdk_secret(),
              convert_internal.rest_etag_matches(text, text),
              convert_internal.rest_config_cache_control(boolean, boolean, text),
              convert_internal.rest_set_headers(text[], text[]), convert_internal.rest_config_answer(json, text) FROM PUBLIC;
