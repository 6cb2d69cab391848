-- The rendered-config cache.  Config reads are STABLE and never write (PostgREST
-- serves GET in a READ ONLY transaction), so renderings are made when the
-- model changes: writes mark their projects dirty, and at commit each dirty
-- project is rendered once, for every (environment, debug) that can be asked
-- for, and `NOTIFY convert_config, '<project_id>'` tells HTTP front ends.
--
-- Cache keys for environment: '' = no environment filter; '*' = any
-- environment the project does not know (they all render alike).

CREATE TABLE convert.config_cache (
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    environment text NOT NULL,
    debug       boolean NOT NULL,
    config      json NOT NULL,
    etag        text NOT NULL,           -- md5 of config, for HTTP ETag / If-None-Match
    rendered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, environment, debug)
);

-- Projects changed by the current transaction, until its commit renders them.
CREATE TABLE convert.config_dirty (
    project_id  bigint PRIMARY KEY
);

-- Environments a project can be asked for that render differently.
CREATE FUNCTION convert_internal.config_cache_environments(project_id bigint)
RETURNS SETOF text
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT '' UNION SELECT '*'
        UNION SELECT pe.name FROM convert.project_environments pe
              WHERE pe.project_id = config_cache_environments.project_id
        UNION SELECT e.environment FROM convert.experiences e
              WHERE e.project_id = config_cache_environments.project_id AND e.environment IS NOT NULL
        UNION SELECT pg_catalog.unnest(e.environments) FROM convert.experiences e
              WHERE e.project_id = config_cache_environments.project_id;
END
$$;

-- Render a project's cache entries again (also usable by hand, e.g. after
-- loading tables with triggers disabled).  Returns whether anything changed.
CREATE FUNCTION convert.refresh_config_cache(project_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    pid constant bigint := refresh_config_cache.project_id;
    changed int := 0;
    n int;
BEGIN
    -- Serialise refreshes of one project: in READ COMMITTED the renderings
    -- below then see every earlier writer's committed changes.
    PERFORM FROM convert.projects p WHERE p.id = pid FOR NO KEY UPDATE;
    DELETE FROM convert.config_dirty d WHERE d.project_id = pid;
    -- all of a deleted project's: on Citus no foreign key cascades to the cache
    DELETE FROM convert.config_cache c
    WHERE c.project_id = pid
      AND (c.environment NOT IN (SELECT convert_internal.config_cache_environments(pid))
           OR NOT EXISTS (SELECT FROM convert.projects p WHERE p.id = pid));
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    INSERT INTO convert.config_cache AS c (project_id, environment, debug, config, etag)
    SELECT pid, r.environment, r.debug, r.doc::pg_catalog.json, md5(r.doc)
    FROM (SELECT env.name AS environment, dbg.debug,
                 convert_internal.render_config(pid, CASE env.name WHEN '' THEN NULL ELSE env.name END,
                                       dbg.debug)::pg_catalog.text AS doc
          FROM convert_internal.config_cache_environments(pid) AS env(name),
               (VALUES (false), (true)) AS dbg(debug)) AS r
    WHERE r.doc IS NOT NULL
    ON CONFLICT ON CONSTRAINT config_cache_pkey DO UPDATE
        SET config = EXCLUDED.config, etag = EXCLUDED.etag, rendered_at = now()
        WHERE c.etag <> EXCLUDED.etag;
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    IF changed > 0 OR NOT EXISTS (SELECT FROM convert.projects p WHERE p.id = pid) THEN
        PERFORM pg_notify('convert_config', pid::pg_catalog.text);
        RETURN true;
    END IF;
    RETURN false;
END
$$;

CREATE FUNCTION convert.refresh_config_cache()
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT count(*) FILTER (WHERE convert.refresh_config_cache(p.id)) FROM convert.projects p
$$;

CREATE FUNCTION convert_internal.config_refresh_at_commit()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    -- Already refreshed when SET CONSTRAINTS made an earlier event fire.
    IF EXISTS (SELECT FROM convert.config_dirty d WHERE d.project_id = NEW.project_id) THEN
        PERFORM convert.refresh_config_cache(NEW.project_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER config_dirty_refresh
    AFTER INSERT ON convert.config_dirty
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION convert_internal.config_refresh_at_commit();

-- Statement-level marking (transition tables): one insert per statement,
-- however many rows it touched.  TG_ARGV[0] names the project id column.
CREATE FUNCTION convert_internal.config_mark_dirty()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO convert.config_dirty (project_id)
                        SELECT DISTINCT %I FROM new_rows ON CONFLICT DO NOTHING', TG_ARGV[0]);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('INSERT INTO convert.config_dirty (project_id)
                        SELECT DISTINCT %I FROM old_rows ON CONFLICT DO NOTHING', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION convert_internal.config_mark_all_dirty()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    INSERT INTO convert.config_dirty (project_id)
    SELECT p.id FROM convert.projects p ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- Every table the rendering reads.
DO $$
DECLARE
    t text;
    col text;
BEGIN
    FOREACH t IN ARRAY ARRAY['projects', 'project_environments', 'goals', 'locations', 'audiences',
                             'segments', 'features', 'feature_variables', 'experiences',
                             'experience_locations', 'experience_audiences', 'experience_goals',
                             'variations', 'variation_changes', 'archived_experiences']
    LOOP
        col := CASE t WHEN 'projects' THEN 'id' ELSE 'project_id' END;
        EXECUTE format('CREATE TRIGGER config_dirty_insert AFTER INSERT ON convert.%I
                        REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION convert_internal.config_mark_dirty(%L)', t, col);
        EXECUTE format('CREATE TRIGGER config_dirty_update AFTER UPDATE ON convert.%I
                        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION convert_internal.config_mark_dirty(%L)', t, col);
        EXECUTE format('CREATE TRIGGER config_dirty_delete AFTER DELETE ON convert.%I
                        REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION convert_internal.config_mark_dirty(%L)', t, col);
        EXECUTE format('CREATE TRIGGER config_dirty_truncate AFTER TRUNCATE ON convert.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION convert_internal.config_mark_all_dirty()', t);
    END LOOP;
END
$$;

-- The document to serve: the cached rendering, unless this transaction has
-- changed the project (then, or when no rendering is cached, render now).
-- PL/pgSQL rather than SQL: its plans stay cached across calls, which is
-- most of the cost of a cached read.
CREATE FUNCTION convert_internal.serve_config(project_id bigint, environment text, debug boolean)
RETURNS json
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM convert.config_dirty d WHERE d.project_id = serve_config.project_id) THEN
        -- The environment's own rendering, else the one for environments
        -- the project does not know.
        RETURN coalesce(
            (SELECT c.config FROM convert.config_cache c
             WHERE c.project_id = serve_config.project_id AND c.debug = serve_config.debug
               AND c.environment = coalesce(serve_config.environment, '')),
            (SELECT c.config FROM convert.config_cache c
             WHERE c.project_id = serve_config.project_id AND c.debug = serve_config.debug
               AND c.environment = '*'),
            convert_internal.render_config(serve_config.project_id, serve_config.environment,
                                  serve_config.debug)::json);
    END IF;
    RETURN convert_internal.render_config(serve_config.project_id, serve_config.environment,
                                 serve_config.debug)::json;
END
$$;

REVOKE ALL ON FUNCTION convert_internal.config_cache_environments(bigint),
              convert.refresh_config_cache(bigint), convert.refresh_config_cache(),
              convert_internal.config_refresh_at_commit(), convert_internal.config_mark_dirty(),
              convert_internal.config_mark_all_dirty(),
              convert_internal.serve_config(bigint, text, boolean) FROM PUBLIC;

-- SDK keys and debug tokens decide who is served, not what is rendered, so
-- they mark nothing dirty; but a front end that caches answers must hear of
-- them.  On convert_config: 'sdk_key:<key>' for each key inserted, changed
-- or deleted (its old and new name), 'sdk_keys' when the table is
-- truncated, and 'debug_tokens' for any change to debug tokens.
CREATE FUNCTION convert_internal.config_notify_sdk_key()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
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
REVOKE ALL ON FUNCTION convert_internal.config_notify_sdk_key() FROM PUBLIC;

CREATE FUNCTION convert_internal.config_notify_debug_tokens()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_catalog.pg_notify('convert_config', 'debug_tokens');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.config_notify_debug_tokens() FROM PUBLIC;

CREATE TRIGGER config_notify_sdk_key AFTER INSERT OR UPDATE OR DELETE ON convert.sdk_keys
    FOR EACH ROW EXECUTE FUNCTION convert_internal.config_notify_sdk_key();
CREATE TRIGGER config_notify_sdk_keys_truncate AFTER TRUNCATE ON convert.sdk_keys
    FOR EACH STATEMENT EXECUTE FUNCTION convert_internal.config_notify_sdk_key();
CREATE TRIGGER config_notify_debug_tokens AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON convert.debug_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION convert_internal.config_notify_debug_tokens();
