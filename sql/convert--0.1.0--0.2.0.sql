-- convert 0.1.0 -> 0.2.0
--
-- Brings a database that installed 0.1.0 to exactly the state of a fresh
-- 0.2.0 install (sql/install/); test/upgrade/upgrade_test.sh compares the two
-- object by object.  One section per area; each change to sql/install/ has its
-- counterpart here, in the section of its area.

\echo Use "ALTER EXTENSION convert UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Security: search_path, privileges, internal helpers
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Tracking: per-visitor segments, request limits
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Config serving: invalidation of keys and debug tokens
-- ---------------------------------------------------------------------------

-- 33_config_cache.sql: sdk_keys and debug_tokens notify convert_config.
-- SDK keys and debug tokens decide who is served, not what is rendered, so
-- they mark nothing dirty; but a front end that caches answers must hear of
-- them.  On convert_config: 'sdk_key:<key>' for each key inserted, changed
-- or deleted (its old and new name), 'sdk_keys' when the table is
-- truncated, and 'debug_tokens' for any change to debug tokens.
CREATE FUNCTION convert.config_notify_sdk_key()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_catalog.pg_notify('convert_config', 'sdk_keys');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_catalog.pg_notify('convert_config', 'sdk_key:' || OLD.sdk_key);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_catalog.pg_notify('convert_config', 'sdk_key:' || NEW.sdk_key);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION convert.config_notify_sdk_key() FROM PUBLIC;

CREATE FUNCTION convert.config_notify_debug_tokens()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('convert_config', 'debug_tokens');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION convert.config_notify_debug_tokens() FROM PUBLIC;

CREATE TRIGGER config_notify_sdk_key AFTER INSERT OR UPDATE OR DELETE ON convert.sdk_keys
    FOR EACH ROW EXECUTE FUNCTION convert.config_notify_sdk_key();
CREATE TRIGGER config_notify_sdk_keys_truncate AFTER TRUNCATE ON convert.sdk_keys
    FOR EACH STATEMENT EXECUTE FUNCTION convert.config_notify_sdk_key();
CREATE TRIGGER config_notify_debug_tokens AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON convert.debug_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION convert.config_notify_debug_tokens();

-- 34_config_access.sql and 39_config_grants.sql: for convert-proxy's cache keys.
-- The environments whose configs differ for what project_config_by_sdk_key
-- serves under sdk_key: those its project knows.  Any other environment is
-- served exactly like every unknown one, so a front end caching configs can
-- keep them all under one entry (convert-proxy does).  NULL when sdk_key is
-- neither an SDK key nor an existing account/project pair.
CREATE FUNCTION convert.config_environments(sdk_key text)
RETURNS text[]
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
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
    SELECT ARRAY(SELECT e FROM convert.config_cache_environments(project.project_id) AS e
                 WHERE e NOT IN ('', '*') ORDER BY e)
    FROM project
$$;
REVOKE ALL ON FUNCTION convert.config_environments(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION convert.config_environments(text) TO convert_api;


-- ---------------------------------------------------------------------------
-- Decisions
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Analysis
-- ---------------------------------------------------------------------------

