-- Access to configs: SDK keys (with optional secrets), the account/project
-- route, debug tokens, and the Serving API's config functions.
--
-- Request errors carry SQLSTATE PTnnn, which the proxy and PostgREST turn
-- into HTTP status nnn.  Secrets and tokens never appear in messages.

-- sha256(salt || secret): only this is stored for an SDK key's secret.
CREATE FUNCTION convert_internal.secret_hash(salt bytea, secret text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.sha256(salt || pg_catalog.convert_to(secret, 'UTF8')) $$;

-- The secret in an Authorization header: "Bearer <secret>" or the bare
-- secret; NULL for an absent or blank header.
CREATE FUNCTION convert_internal.authorization_secret(authorization text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT nullif(pg_catalog.regexp_replace(pg_catalog.btrim(authorization_secret.authorization),
                                                       '^bearer\s+', '', 'i'), '')
$$;

-- The project an SDK key serves, after its checks: PT404 unknown key, PT401
-- missing/wrong/unexpected secret, PT403 key bound to another environment.
-- served_environment is the one to serve (the key's own when none was asked for).
-- Tracking passes require_secret => false for browsers' beacons, which
-- cannot send headers: a secret that is sent is still checked.
CREATE FUNCTION convert_internal.resolve_sdk_key(sdk_key text, authorization text DEFAULT NULL,
                                        environment text DEFAULT NULL,
                                        require_secret boolean DEFAULT true,
                                        OUT project_id bigint, OUT account_id bigint,
                                        OUT served_environment text)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    k convert.sdk_keys;
    given pg_catalog.text := convert_internal.authorization_secret(resolve_sdk_key.authorization);
    requested pg_catalog.text := nullif(resolve_sdk_key.environment, '');
BEGIN
    SELECT * INTO k FROM convert.sdk_keys sk WHERE sk.sdk_key = resolve_sdk_key.sdk_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown sdk key' USING ERRCODE = 'PT404',
            DETAIL = format('No project is served under the sdk key %s.',
                            convert_internal.json_quote(resolve_sdk_key.sdk_key));
    END IF;
    IF k.secret_hash IS NULL AND given IS NOT NULL THEN
        RAISE EXCEPTION 'sdk key does not take a secret' USING ERRCODE = 'PT401',
            DETAIL = 'An Authorization header was sent for an sdk key that has no secret.',
            HINT = 'Send no Authorization header with this key.';
    ELSIF k.secret_hash IS NOT NULL AND given IS NULL AND require_secret THEN
        RAISE EXCEPTION 'missing sdk key secret' USING ERRCODE = 'PT401',
            DETAIL = 'This sdk key requires its secret.',
            HINT = 'Send the header "Authorization: Bearer <secret>".';
    ELSIF k.secret_hash IS NOT NULL AND given IS NOT NULL
          AND NOT convert_internal.secret_equal(convert_internal.secret_hash(k.secret_salt, given), k.secret_hash) THEN
        RAISE EXCEPTION 'wrong sdk key secret' USING ERRCODE = 'PT401',
            DETAIL = 'The secret sent in the Authorization header does not match the sdk key.';
    END IF;
    IF requested <> k.environment THEN
        RAISE EXCEPTION 'sdk key is not valid for environment %', convert_internal.json_quote(requested)
            USING ERRCODE = 'PT403',
            DETAIL = format('The sdk key is bound to environment "%s".', k.environment),
            HINT = 'Ask for the key''s environment, or use a key of the requested one.';
    END IF;
    SELECT k.project_id, p.account_id, coalesce(requested, k.environment)
    INTO resolve_sdk_key.project_id, resolve_sdk_key.account_id, resolve_sdk_key.served_environment
    FROM convert.projects p WHERE p.id = k.project_id;
END
$$;

-- The account/project route: PT404 unknown pair, PT403 when the project
-- serves only through SDK keys (disable_default_config).
CREATE FUNCTION convert_internal.resolve_project(account_id bigint, project_id bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    disabled boolean;
BEGIN
    SELECT p.disable_default_config INTO disabled
    FROM convert.projects p
    WHERE p.id = resolve_project.project_id AND p.account_id = resolve_project.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'project % not found in account %', project_id, account_id
            USING ERRCODE = 'PT404';
    END IF;
    IF disabled THEN
        RAISE EXCEPTION 'project % is served only through sdk keys', project_id
            USING ERRCODE = 'PT403',
                  DETAIL = 'The project has disable_default_config set, which refuses the account/project route.',
                  HINT = 'Request the config with one of the project''s sdk keys.';
    END IF;
    RETURN project_id;
END
$$;

-- Whether a request is in debug mode: no token → false; a valid token of the
-- project → true; anything else is refused with PT401.  Without a token
-- argument, PostgREST's request headers may carry convert-debug-token.
CREATE FUNCTION convert_internal.debug_mode(project_id bigint, debug_token text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    t convert.debug_tokens;
    token pg_catalog.text := coalesce(nullif(btrim(debug_mode.debug_token), ''),
                           nullif(btrim(nullif(current_setting('request.headers', true), '')::pg_catalog.json
                                        ->> 'convert-debug-token'), ''));
BEGIN
    IF token IS NULL THEN
        RETURN false;
    END IF;
    SELECT * INTO t FROM convert.debug_tokens dt
    WHERE dt.token_hash = sha256(convert_to(token, 'UTF8'));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown debug token' USING ERRCODE = 'PT401',
            HINT = 'Generate one with convert.generate_debug_token().';
    ELSIF t.project_id <> debug_mode.project_id THEN
        RAISE EXCEPTION 'debug token is not valid for project %', project_id USING ERRCODE = 'PT401',
            DETAIL = 'The debug token was generated for another project.';
    ELSIF t.expires_at <= now() THEN
        RAISE EXCEPTION 'debug token has expired' USING ERRCODE = 'PT401',
            DETAIL = format('The debug token expired at %s.', t.expires_at),
            HINT = 'Renew it with convert.renew_debug_token() or generate a new one.';
    END IF;
    RETURN true;
END
$$;

CREATE FUNCTION convert.project_config(account_id bigint, project_id bigint,
                                       environment text DEFAULT NULL, debug_token text DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    PERFORM convert_internal.resolve_project(project_config.account_id, project_config.project_id);
    RETURN convert_internal.serve_config(project_config.project_id, nullif(project_config.environment, ''),
                                convert_internal.debug_mode(project_config.project_id, project_config.debug_token));
END
$$;

-- A two-segment key that is not an SDK key is the account/project route.
CREATE FUNCTION convert.project_config_by_sdk_key(sdk_key text, environment text DEFAULT NULL,
                                                  authorization text DEFAULT NULL,
                                                  debug_token text DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF sdk_key ~ '^[0-9]{1,18}/[0-9]{1,18}$'
       AND NOT EXISTS (SELECT FROM convert.sdk_keys k WHERE k.sdk_key = project_config_by_sdk_key.sdk_key) THEN
        RETURN convert.project_config(split_part(sdk_key, '/', 1)::bigint, split_part(sdk_key, '/', 2)::bigint,
                                      environment, debug_token);
    END IF;
    SELECT * INTO r
    FROM convert_internal.resolve_sdk_key(project_config_by_sdk_key.sdk_key, project_config_by_sdk_key.authorization,
                                 project_config_by_sdk_key.environment);
    RETURN convert_internal.serve_config(r.project_id, r.served_environment,
                                convert_internal.debug_mode(r.project_id, debug_token));
END
$$;

-- The environments whose configs differ for what project_config_by_sdk_key
-- serves under sdk_key: those its project knows.  Any other environment is
-- served exactly like every unknown one, so a front end caching configs can
-- keep them all under one entry (convert-proxy does).  NULL when sdk_key is
-- neither an SDK key nor an existing account/project pair.
CREATE FUNCTION convert.config_environments(sdk_key text)
RETURNS text[]
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        WITH project AS (
            SELECT k.project_id FROM convert.sdk_keys k
            WHERE k.sdk_key = config_environments.sdk_key
            UNION ALL
            SELECT p.id FROM convert.projects p
            WHERE config_environments.sdk_key OPERATOR(pg_catalog.~) '^[0-9]{1,18}/[0-9]{1,18}$'
              AND NOT EXISTS (SELECT FROM convert.sdk_keys k WHERE k.sdk_key = config_environments.sdk_key)
              -- (CASE: the casts must not run on a key that is not two ids)
              AND p.account_id = CASE WHEN config_environments.sdk_key OPERATOR(pg_catalog.~) '^[0-9]{1,18}/[0-9]{1,18}$'
                                      THEN pg_catalog.split_part(config_environments.sdk_key, '/', 1)::bigint END
              AND p.id = CASE WHEN config_environments.sdk_key OPERATOR(pg_catalog.~) '^[0-9]{1,18}/[0-9]{1,18}$'
                              THEN pg_catalog.split_part(config_environments.sdk_key, '/', 2)::bigint END
        )
        SELECT ARRAY(SELECT e FROM convert_internal.config_cache_environments(project.project_id) AS e
                     WHERE e NOT IN ('', '*') ORDER BY e)
        FROM project);
END
$$;
REVOKE ALL ON FUNCTION convert.config_environments(text) FROM PUBLIC;

-- The Serving API's minimal project settings (ConfigMinimalResponseData).
CREATE FUNCTION convert.project_config_basic(account_id bigint, project_id bigint)
RETURNS json
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT (pg_catalog.jsonb_build_object('account_id', p.account_id::pg_catalog.text, 'project_id', p.id::pg_catalog.text)
                || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                       'include_jquery', p.settings -> 'include_jquery',
                       'include_jquery_v1', p.settings -> 'include_jquery_v1',
                       'disable_spa_functionality', p.settings -> 'disable_spa_functionality',
                       'version', p.settings -> 'version'))
                || CASE WHEN p.tracking_script IS NULL THEN '{}'::pg_catalog.jsonb
                        ELSE pg_catalog.jsonb_build_object('tracking_script', p.tracking_script) END)::pg_catalog.json
        FROM convert.projects p
        WHERE p.id = (SELECT convert_internal.resolve_project(project_config_basic.account_id,
                                                     project_config_basic.project_id)));
END
$$;

CREATE FUNCTION convert.create_sdk_key(project_id bigint, secret text DEFAULT NULL,
                                       sdk_key text DEFAULT NULL, environment text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    key text := coalesce(sdk_key, encode(convert_internal.random_bytes(16), 'hex'));
    salt bytea;
BEGIN
    IF NOT EXISTS (SELECT FROM convert.projects p WHERE p.id = create_sdk_key.project_id) THEN
        RAISE EXCEPTION 'project % does not exist', project_id USING ERRCODE = 'PT404';
    END IF;
    IF secret = '' THEN
        RAISE EXCEPTION 'sdk key secret must not be empty' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL for a key without a secret.';
    END IF;
    IF key !~ '^[A-Za-z0-9._~/-]{1,200}$' THEN
        RAISE EXCEPTION 'invalid sdk key "%"', key USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'An sdk key is 1 to 200 letters, digits or the characters . _ ~ / -.';
    END IF;
    IF EXISTS (SELECT FROM convert.sdk_keys k WHERE k.sdk_key = key) THEN
        RAISE EXCEPTION 'sdk key "%" already exists', key USING ERRCODE = 'unique_violation';
    END IF;
    IF environment IS NOT NULL AND NOT EXISTS (
           SELECT FROM convert.project_environments pe
           WHERE pe.project_id = create_sdk_key.project_id AND pe.name = create_sdk_key.environment) THEN
        RAISE EXCEPTION 'project % has no environment "%"', project_id, environment
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Add it to convert.project_environments first.';
    END IF;
    IF secret IS NOT NULL THEN
        salt := convert_internal.random_bytes(16);
    END IF;
    INSERT INTO convert.sdk_keys (sdk_key, project_id, environment, secret_salt, secret_hash)
    VALUES (key, project_id, environment, salt, convert_internal.secret_hash(salt, secret));
    RETURN key;
END
$$;

-- Replace (or, with NULL, remove) an SDK key's secret.
CREATE FUNCTION convert.set_sdk_key_secret(sdk_key text, secret text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    salt bytea := CASE WHEN secret IS NOT NULL THEN convert_internal.random_bytes(16) END;
BEGIN
    IF secret = '' THEN
        RAISE EXCEPTION 'sdk key secret must not be empty' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL to remove the secret.';
    END IF;
    UPDATE convert.sdk_keys k
    SET secret_salt = salt, secret_hash = convert_internal.secret_hash(salt, secret)
    WHERE k.sdk_key = set_sdk_key_secret.sdk_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown sdk key' USING ERRCODE = 'PT404';
    END IF;
END
$$;

CREATE FUNCTION convert.generate_debug_token(project_id bigint, ttl interval DEFAULT '24 hours')
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    token text := encode(convert_internal.random_bytes(24), 'hex');
BEGIN
    IF NOT EXISTS (SELECT FROM convert.projects p WHERE p.id = generate_debug_token.project_id) THEN
        RAISE EXCEPTION 'project % does not exist', project_id USING ERRCODE = 'PT404';
    END IF;
    IF ttl IS NULL OR ttl <= interval '0' THEN
        RAISE EXCEPTION 'debug token lifetime must be positive' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The lifetime given was %s.', coalesce(ttl::text, 'NULL'));
    END IF;
    INSERT INTO convert.debug_tokens (token_hash, project_id, expires_at)
    VALUES (sha256(convert_to(token, 'UTF8')), project_id, now() + ttl);
    RETURN token;
END
$$;

-- Give a token (expired or not) a new lifetime from now; returns the expiry.
CREATE FUNCTION convert.renew_debug_token(debug_token text, ttl interval DEFAULT '24 hours')
RETURNS timestamptz
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    expiry timestamptz;
BEGIN
    IF ttl IS NULL OR ttl <= interval '0' THEN
        RAISE EXCEPTION 'debug token lifetime must be positive' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The lifetime given was %s.', coalesce(ttl::text, 'NULL'));
    END IF;
    UPDATE convert.debug_tokens t
    SET expires_at = greatest(now(), t.created_at) + ttl
    WHERE t.token_hash = sha256(convert_to(btrim(debug_token), 'UTF8'))
    RETURNING t.expires_at INTO expiry;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown debug token' USING ERRCODE = 'PT401';
    END IF;
    RETURN expiry;
END
$$;
