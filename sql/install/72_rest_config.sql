-- The config routes for PostgREST (GET, so a READ ONLY transaction: STABLE).
-- Query parameters are the named arguments; headers come from request.headers.
-- The SDK's own query parameters are accepted so that its requests, rewritten
-- to these routes, name only known arguments: _conv_low_cache asks for
-- revalidation; exp (a preview fetch) needs nothing, since the whole config
-- served already holds the experience.  The debug token's header wins over
-- the debug_token parameter, as in convert-proxy.

-- GET /rpc/config?sdk_key=...  (also the "<account_id>/<project_id>" key form)
CREATE FUNCTION convert_rest.config(sdk_key text, environment text DEFAULT NULL,
                                    debug_token text DEFAULT NULL,
                                    _conv_low_cache text DEFAULT NULL, exp text DEFAULT NULL)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    secret constant pg_catalog.text := convert_internal.rest_sdk_secret();
    token constant pg_catalog.text := coalesce(convert_internal.rest_header('convert-debug-token'),
                                    nullif(btrim(config.debug_token), ''));
BEGIN
    RETURN convert_internal.rest_config_answer(
        convert.project_config_by_sdk_key(config.sdk_key, config.environment, secret, token),
        convert_internal.rest_config_cache_control(secret IS NOT NULL, token IS NOT NULL, config._conv_low_cache));
END
$$;

-- GET /rpc/project_config?account_id=...&project_id=...
CREATE FUNCTION convert_rest.project_config(account_id bigint, project_id bigint,
                                            environment text DEFAULT NULL,
                                            debug_token text DEFAULT NULL,
                                            _conv_low_cache text DEFAULT NULL, exp text DEFAULT NULL)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    token constant pg_catalog.text := coalesce(convert_internal.rest_header('convert-debug-token'),
                                    nullif(btrim(project_config.debug_token), ''));
BEGIN
    RETURN convert_internal.rest_config_answer(
        convert.project_config(project_config.account_id, project_config.project_id,
                               project_config.environment, token),
        convert_internal.rest_config_cache_control(false, token IS NOT NULL, project_config._conv_low_cache));
END
$$;

-- GET /rpc/project_config_basic?account_id=...&project_id=...
CREATE FUNCTION convert_rest.project_config_basic(account_id bigint, project_id bigint)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    RETURN convert_internal.rest_config_answer(
        convert.project_config_basic(project_config_basic.account_id, project_config_basic.project_id),
        convert_internal.rest_config_cache_control(false, false, NULL));
END
$$;

COMMENT ON FUNCTION convert_rest.config(text, text, text, text, text) IS
'GET /rpc/config?sdk_key=: the config served under an SDK key (convert.project_config_by_sdk_key)';
COMMENT ON FUNCTION convert_rest.project_config(bigint, bigint, text, text, text, text) IS
'GET /rpc/project_config?account_id=&project_id=: the config by account and project (convert.project_config)';
COMMENT ON FUNCTION convert_rest.project_config_basic(bigint, bigint) IS
'GET /rpc/project_config_basic?account_id=&project_id=: the minimal project settings';
