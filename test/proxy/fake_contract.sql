-- Test doubles of the SQL contract's HTTP functions (docs/proxy.md), in a
-- database of their own, so that the proxy's HTTP behaviour is tested
-- exactly and independently of the real functions: each double echoes the
-- arguments it received, and chosen keys raise each kind of error or sleep.
CREATE SCHEMA convert;

CREATE TABLE convert.fake_configs (
    sdk_key text PRIMARY KEY,
    secret  text,
    body    json NOT NULL
);

CREATE TABLE convert.fake_events (
    id      bigserial PRIMARY KEY,
    route   text NOT NULL,
    payload json NOT NULL,
    auth    text
);

-- Front ends drop what they cached for a key on this notification, as
-- the real sdk_keys triggers send it (33_config_cache.sql).
CREATE FUNCTION convert.fake_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('convert_config', 'sdk_key:' || OLD.sdk_key);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('convert_config', 'sdk_key:' || NEW.sdk_key);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER fake_configs_notify AFTER INSERT OR UPDATE OR DELETE
    ON convert.fake_configs FOR EACH ROW
    EXECUTE FUNCTION convert.fake_notify();

-- The environments every key's project knows here; any other is served as
-- '(other)', as the real functions serve all unknown environments alike.
CREATE FUNCTION convert.fake_environment(environment text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN nullif(environment, '') IS NULL THEN NULL
                WHEN environment IN ('live', 'prod ü/é', 'staging') THEN environment
                ELSE '(other)' END
$$;

CREATE FUNCTION convert.config_environments(sdk_key text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT FROM convert.fake_configs f WHERE f.sdk_key = $1)
                  OR sdk_key ~ '^[0-9]{1,18}/[0-9]{1,18}$'
                THEN ARRAY['live', 'prod ü/é', 'staging'] END
$$;

-- Keys that make a call misbehave on purpose.
CREATE FUNCTION convert.fake_special(key text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF key = 'sleep' THEN
        PERFORM pg_sleep(2);
    ELSIF key = 'internal' THEN
        PERFORM 1 / 0;
    ELSIF key = 'pt413' THEN
        RAISE SQLSTATE 'PT413' USING MESSAGE = 'batch over 1000 visitors';
    ELSIF key = 'pt999' THEN
        RAISE SQLSTATE 'PT999' USING MESSAGE = 'out of range';
    ELSIF key = 'null' THEN
        RAISE SQLSTATE 'PTNUL' USING MESSAGE = 'not a status';
    END IF;
END $$;

CREATE FUNCTION convert.project_config(account_id bigint, project_id bigint,
    environment text DEFAULT NULL, debug_token text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF account_id = 9 THEN
        RAISE SQLSTATE 'PT403' USING MESSAGE = 'default config disabled for this project';
    END IF;
    RETURN json_build_object('route', 'account_project', 'account_id', account_id,
        'project_id', project_id, 'environment', convert.fake_environment(environment),
        'debug_token', debug_token);
END $$;

CREATE FUNCTION convert.project_config_by_sdk_key(sdk_key text,
    environment text DEFAULT NULL, "authorization" text DEFAULT NULL,
    debug_token text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c convert.fake_configs;
BEGIN
    PERFORM convert.fake_special(sdk_key);
    SELECT * INTO c FROM convert.fake_configs f WHERE f.sdk_key = $1;
    -- As the contract says: a two-segment key that is not an SDK key is
    -- the account/project route.
    IF NOT FOUND AND sdk_key ~ '^[0-9]{1,18}/[0-9]{1,18}$' THEN
        RETURN convert.project_config(split_part(sdk_key, '/', 1)::bigint,
            split_part(sdk_key, '/', 2)::bigint, environment, debug_token);
    END IF;
    IF NOT FOUND THEN
        RAISE SQLSTATE 'PT404' USING MESSAGE = format('unknown sdk key "%s"', sdk_key);
    END IF;
    IF c.secret IS NOT NULL AND "authorization" IS DISTINCT FROM 'Bearer ' || c.secret THEN
        RAISE SQLSTATE 'PT401' USING MESSAGE = 'missing or wrong sdk key secret';
    END IF;
    RETURN json_build_object('route', 'key', 'sdk_key', sdk_key,
        'environment', convert.fake_environment(environment), 'debug_token', debug_token,
        'has_authorization', "authorization" IS NOT NULL, 'config', c.body);
END $$;

CREATE FUNCTION convert.project_config_basic(account_id bigint, project_id bigint)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('route', 'basic', 'account_id', account_id,
        'project_id', project_id)
$$;

CREATE FUNCTION convert.track(sdk_key text, payload json,
    "authorization" text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM convert.fake_special(sdk_key);
    IF sdk_key ~ '^[0-9]{1,18}/[0-9]{1,18}$' THEN
        RETURN convert.track(split_part(sdk_key, '/', 1)::bigint,
            split_part(sdk_key, '/', 2)::bigint, payload);
    END IF;
    IF sdk_key = 'unknown' THEN
        RAISE SQLSTATE 'PT404' USING MESSAGE = 'unknown sdk key';
    END IF;
    IF json_typeof(payload) <> 'object' THEN
        RAISE SQLSTATE 'PT400' USING MESSAGE = 'payload must be an object';
    END IF;
    INSERT INTO convert.fake_events(route, payload, auth)
        VALUES ('key:' || sdk_key, payload, "authorization");
    RETURN json_build_object('code', 200, 'message', 'stored');
END $$;

CREATE FUNCTION convert.track(account_id bigint, project_id bigint, payload json)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO convert.fake_events(route, payload)
        VALUES (format('ap:%s/%s', account_id, project_id), payload);
    RETURN json_build_object('code', 200, 'message', 'stored');
END $$;

INSERT INTO convert.fake_configs VALUES
    ('public-key', NULL, '{"project": {"id": "100"}, "experiences": []}'),
    ('secret-key', 's3cr3t', '{"project": {"id": "200"}}'),
    ('5/6', NULL, '{"project": {"id": "6"}}'),
    ('big-key', NULL, (SELECT json_build_object('experiences',
        json_agg(json_build_object('id', i::text, 'key', 'experience-' || i)))
        FROM generate_series(1, 200) AS i));
