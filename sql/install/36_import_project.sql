-- convert.import_project(config json) → bigint: load a served config document
-- into the model tables, so that a project moves here in one call.  Entities
-- are upserted by id; the document is the project's whole state, so
-- entities it no longer lists are removed.  Members the model does not name
-- go to `extra` and are served unchanged.  docs/serving.md lists the normalisations.

-- project, its settings and environments; returns the project id.
CREATE FUNCTION convert_internal.import_project_row(doc jsonb)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    account bigint := convert_internal.import_id(doc -> 'account_id', 'account_id');
    proj jsonb := convert_internal.import_object(doc -> 'project', 'project');
    pid bigint;
    settings jsonb;
    owner bigint;
BEGIN
    IF proj IS NULL THEN
        PERFORM convert_internal.import_fail('project', 'an object', NULL);
    END IF;
    pid := convert_internal.import_id(proj -> 'id', 'project.id');
    settings := coalesce(convert_internal.import_object(proj -> 'settings', 'project.settings'), '{}');
    SELECT p.account_id INTO owner FROM convert.projects p WHERE p.id = pid;
    IF owner <> account THEN
        RAISE EXCEPTION 'invalid config at account_id: project % belongs to account %', pid, owner
            USING ERRCODE = 'PT400',
                  HINT = 'Delete the existing project first to move it to another account.';
    END IF;
    INSERT INTO convert.accounts (id) VALUES (account) ON CONFLICT DO NOTHING;
    INSERT INTO convert.projects AS p (id, account_id, name, type, utc_offset, global_javascript,
                                       settings, integrations, outliers, tracking_script, extra)
    VALUES (pid, account,
            convert_internal.import_text(proj -> 'name', 'project.name'),
            coalesce(convert_internal.import_text(proj -> 'type', 'project.type'), 'fullstack'),
            convert_internal.import_integer(proj -> 'utc_offset', 'project.utc_offset'),
            convert_internal.import_text(proj -> 'global_javascript', 'project.global_javascript'),
            settings - ARRAY['integrations', 'outliers', 'tracking_script'],
            convert_internal.import_object(settings -> 'integrations', 'project.settings.integrations'),
            convert_internal.import_object(settings -> 'outliers', 'project.settings.outliers'),
            settings -> 'tracking_script',
            proj - ARRAY['id', 'name', 'type', 'utc_offset', 'global_javascript', 'settings', 'environments'])
    ON CONFLICT (id) DO UPDATE
        SET name = EXCLUDED.name, type = EXCLUDED.type, utc_offset = EXCLUDED.utc_offset,
            global_javascript = EXCLUDED.global_javascript, settings = EXCLUDED.settings,
            integrations = EXCLUDED.integrations, outliers = EXCLUDED.outliers,
            tracking_script = EXCLUDED.tracking_script, extra = EXCLUDED.extra;
    PERFORM convert_internal.import_environments(pid, convert_internal.import_object(proj -> 'environments',
                                                                   'project.environments'));
    RETURN pid;
END
$$;

-- environments: name → {label, is_default}, or the older name → label form.
CREATE FUNCTION convert_internal.import_environments(pid bigint, envs jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    bound text;
BEGIN
    SELECT k.environment INTO bound
    FROM convert.sdk_keys k
    WHERE k.project_id = pid AND NOT (coalesce(envs, '{}') ? k.environment)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid config at project.environments: environment "%" is missing', bound
            USING ERRCODE = 'PT400',
                  DETAIL = 'Sdk keys of the project are bound to this environment.',
                  HINT = 'Delete or rebind those sdk keys first.';
    END IF;
    DELETE FROM convert.project_environments pe
    WHERE pe.project_id = pid AND NOT (coalesce(envs, '{}') ? pe.name);
    -- one default per project is checked row by row: clear it before moving it
    UPDATE convert.project_environments pe SET is_default = false
    WHERE pe.project_id = pid AND pe.is_default;
    INSERT INTO convert.project_environments AS pe (project_id, name, label, is_default)
    SELECT pid, e.key,
           CASE jsonb_typeof(e.value)
               WHEN 'object' THEN convert_internal.import_text(e.value -> 'label',
                                                      format('project.environments.%s.label', e.key))
               ELSE convert_internal.import_text(e.value, format('project.environments.%s', e.key)) END,
           coalesce(convert_internal.import_boolean(e.value -> 'is_default',
                                           format('project.environments.%s.is_default', e.key)), false)
    FROM jsonb_each(coalesce(envs, '{}')) AS e
    ON CONFLICT (project_id, name) DO UPDATE
        SET label = EXCLUDED.label, is_default = EXCLUDED.is_default;
END
$$;

-- The elements of a top-level list, each checked to be an object, with its
-- position, JSON path, and the members every entity has: id, key, name.
CREATE FUNCTION convert_internal.import_elements(doc jsonb, list text)
RETURNS TABLE (v jsonb, pos integer, path text, id bigint, key text, name text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT o.v, o.pos, o.path,
           convert_internal.import_id(o.v -> 'id', o.path || '.id'),
           convert_internal.import_text(o.v -> 'key', o.path || '.key'),
           convert_internal.import_text(o.v -> 'name', o.path || '.name')
    FROM (SELECT convert_internal.import_object(t.v, format('%s[%s]', list, t.n - 1)) AS v,
                 t.n::integer - 1 AS pos, format('%s[%s]', list, t.n - 1) AS path
          FROM jsonb_array_elements(convert_internal.import_array(doc -> list, list))
               WITH ORDINALITY AS t(v, n)) AS o
$$;

-- Refuse a document that lists one id twice in a list.
CREATE FUNCTION convert_internal.import_unique_ids(doc jsonb, list text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    dup bigint;
BEGIN
    SELECT e.id INTO dup
    FROM convert_internal.import_elements(doc, list) AS e
    GROUP BY 1 HAVING count(*) > 1 LIMIT 1;
    IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'invalid config at %: id % is listed twice', list, dup USING ERRCODE = 'PT400';
    END IF;
END
$$;

CREATE FUNCTION convert_internal.import_goals(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.goals g
    WHERE g.project_id = pid
      AND g.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'goals') e);
    INSERT INTO convert.goals AS g (project_id, id, key, name, type, settings, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(e.v -> 'type', e.path || '.type'),
           convert_internal.import_object(e.v -> 'settings', e.path || '.settings'),
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'type', 'settings', 'rules']
    FROM convert_internal.import_elements(doc, 'goals') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, settings = EXCLUDED.settings,
            rules = EXCLUDED.rules, position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

CREATE FUNCTION convert_internal.import_locations(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.locations l
    WHERE l.project_id = pid
      AND l.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'locations') e);
    INSERT INTO convert.locations AS l (project_id, id, key, name, trigger_type, trigger_settings, rules,
                                        position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(t.trigger -> 'type', e.path || '.trigger.type'),
           coalesce(t.trigger - 'type', '{}'),
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'trigger', 'rules']
    FROM convert_internal.import_elements(doc, 'locations') e,
         LATERAL (SELECT convert_internal.import_object(e.v -> 'trigger', e.path || '.trigger') AS trigger) t
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, trigger_type = EXCLUDED.trigger_type,
            trigger_settings = EXCLUDED.trigger_settings, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

CREATE FUNCTION convert_internal.import_audiences(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.audiences a
    WHERE a.project_id = pid
      AND a.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'audiences') e);
    INSERT INTO convert.audiences AS a (project_id, id, key, name, type, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(e.v -> 'type', e.path || '.type'),
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'type', 'rules']
    FROM convert_internal.import_elements(doc, 'audiences') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

CREATE FUNCTION convert_internal.import_segments(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.segments s
    WHERE s.project_id = pid
      AND s.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'segments') e);
    INSERT INTO convert.segments AS s (project_id, id, key, name, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'rules']
    FROM convert_internal.import_elements(doc, 'segments') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

-- Features and their variables (variables are replaced wholesale).
CREATE FUNCTION convert_internal.import_features(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.feature_variables fv WHERE fv.project_id = pid;
    DELETE FROM convert.features f
    WHERE f.project_id = pid
      AND f.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'features') e);
    INSERT INTO convert.features AS f (project_id, id, key, name, position, extra)
    SELECT pid, e.id, e.key, e.name,
           e.pos, e.v - ARRAY['id', 'key', 'name', 'variables']
    FROM convert_internal.import_elements(doc, 'features') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, position = EXCLUDED.position, extra = EXCLUDED.extra;
    INSERT INTO convert.feature_variables (project_id, feature_id, key, type, position, extra)
    SELECT pid, e.id,
           convert_internal.import_text(var.v -> 'key', format('%s.variables[%s].key', e.path, var.n - 1)),
           convert_internal.import_text(var.v -> 'type', format('%s.variables[%s].type', e.path, var.n - 1)),
           var.n - 1, var.v - ARRAY['key', 'type']
    FROM convert_internal.import_elements(doc, 'features') e,
         jsonb_array_elements(convert_internal.import_array(e.v -> 'variables', e.path || '.variables'))
             WITH ORDINALITY AS var(v, n);
END
$$;

-- experience.settings without matching_options' two modelled members.
CREATE FUNCTION convert_internal.import_experience_settings(settings jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT CASE
        WHEN settings IS NULL OR NOT settings ? 'matching_options' THEN settings
        WHEN (settings -> 'matching_options') - ARRAY['audiences', 'locations'] = '{}'
            THEN settings - 'matching_options'
        ELSE jsonb_set(settings, '{matching_options}',
                       (settings -> 'matching_options') - ARRAY['audiences', 'locations'])
    END
$$;

CREATE FUNCTION convert_internal.import_experiences(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO convert.experiences AS x (project_id, id, key, name, type, status, version, environment,
                                          environments, site_area, matching_audiences, matching_locations,
                                          settings, integrations, global_js, global_css, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(e.v -> 'type', e.path || '.type'),
           coalesce(convert_internal.import_text(e.v -> 'status', e.path || '.status'), 'active'),
           convert_internal.import_number(e.v -> 'version', e.path || '.version'),
           convert_internal.import_text(e.v -> 'environment', e.path || '.environment'),
           convert_internal.import_text_array(e.v -> 'environments', e.path || '.environments'),
           convert_internal.import_rules(e.v -> 'site_area', e.path || '.site_area'),
           convert_internal.import_text(s.settings #> '{matching_options,audiences}',
                               e.path || '.settings.matching_options.audiences'),
           convert_internal.import_text(s.settings #> '{matching_options,locations}',
                               e.path || '.settings.matching_options.locations'),
           convert_internal.import_experience_settings(s.settings),
           CASE WHEN jsonb_typeof(e.v -> 'integrations') = 'array' THEN e.v -> 'integrations'
                WHEN coalesce(jsonb_typeof(e.v -> 'integrations'), 'null') = 'null' THEN NULL
                ELSE convert_internal.import_array(e.v -> 'integrations', e.path || '.integrations') END,
           convert_internal.import_text(e.v -> 'global_js', e.path || '.global_js'),
           convert_internal.import_text(e.v -> 'global_css', e.path || '.global_css'),
           e.pos,
           e.v - ARRAY['id', 'key', 'name', 'type', 'status', 'version', 'environment', 'environments',
                       'site_area', 'settings', 'integrations', 'global_js', 'global_css', 'locations',
                       'audiences', 'goals', 'variations']
    FROM convert_internal.import_elements(doc, 'experiences') e,
         LATERAL (SELECT convert_internal.import_object(e.v -> 'settings', e.path || '.settings') AS settings) s
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, status = EXCLUDED.status,
            version = EXCLUDED.version, environment = EXCLUDED.environment,
            environments = EXCLUDED.environments, site_area = EXCLUDED.site_area,
            matching_audiences = EXCLUDED.matching_audiences,
            matching_locations = EXCLUDED.matching_locations, settings = EXCLUDED.settings,
            integrations = EXCLUDED.integrations, global_js = EXCLUDED.global_js,
            global_css = EXCLUDED.global_css, position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

-- The id lists of an experience (locations, audiences, goals), one row each.
CREATE FUNCTION convert_internal.import_experience_refs(doc jsonb, list text)
RETURNS TABLE (experience_id bigint, target_id bigint, pos integer, path text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT e.id,
           convert_internal.import_id(r.v, format('%s.%s[%s]', e.path, list, r.n - 1)),
           r.n::integer - 1, format('%s.%s[%s]', e.path, list, r.n - 1)
    FROM convert_internal.import_elements(doc, 'experiences') e,
         jsonb_array_elements(convert_internal.import_array(e.v -> list, e.path || '.' || list)) WITH ORDINALITY AS r(v, n)
$$;

-- Links from experiences to locations, audiences/segments and goals; every
-- id must name an entity of the project.
CREATE FUNCTION convert_internal.import_experience_links(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    bad record;
BEGIN
    SELECT r.path, r.target_id, 'location' AS kind INTO bad
    FROM convert_internal.import_experience_refs(doc, 'locations') r
    WHERE NOT EXISTS (SELECT FROM convert.locations l WHERE l.project_id = pid AND l.id = r.target_id)
    UNION ALL
    SELECT r.path, r.target_id, 'audience or segment'
    FROM convert_internal.import_experience_refs(doc, 'audiences') r
    WHERE NOT EXISTS (SELECT FROM convert.audiences a WHERE a.project_id = pid AND a.id = r.target_id)
      AND NOT EXISTS (SELECT FROM convert.segments s WHERE s.project_id = pid AND s.id = r.target_id)
    UNION ALL
    SELECT r.path, r.target_id, 'goal'
    FROM convert_internal.import_experience_refs(doc, 'goals') r
    WHERE NOT EXISTS (SELECT FROM convert.goals g WHERE g.project_id = pid AND g.id = r.target_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid config at %: no % with id % in the document', bad.path, bad.kind, bad.target_id
            USING ERRCODE = 'PT400';
    END IF;
    INSERT INTO convert.experience_locations (project_id, experience_id, location_id, position)
    SELECT pid, r.experience_id, r.target_id, min(r.pos)
    FROM convert_internal.import_experience_refs(doc, 'locations') r GROUP BY 2, 3;
    INSERT INTO convert.experience_audiences (project_id, experience_id, position, audience_id, segment_id)
    SELECT pid, r.experience_id, min(r.pos),
           CASE WHEN a.id IS NOT NULL THEN r.target_id END,
           CASE WHEN a.id IS NULL THEN r.target_id END
    FROM convert_internal.import_experience_refs(doc, 'audiences') r
    LEFT JOIN convert.audiences a ON a.project_id = pid AND a.id = r.target_id
    GROUP BY r.experience_id, r.target_id, a.id;
    INSERT INTO convert.experience_goals (project_id, experience_id, goal_id, position)
    SELECT pid, r.experience_id, r.target_id, min(r.pos)
    FROM convert_internal.import_experience_refs(doc, 'goals') r GROUP BY 2, 3;
END
$$;

-- Variations are upserted by id (tracking may refer to them); variations
-- without an id never conflict and are inserted afresh.  Positions are
-- first moved out of the way; what keeps a negative one was not listed.
CREATE FUNCTION convert_internal.import_variations(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    UPDATE convert.variations v SET position = -1 - v.position WHERE v.project_id = pid;
    INSERT INTO convert.variations AS v (project_id, experience_id, position, id, key, name, status,
                                         traffic_allocation, extra)
    SELECT pid, e.id, var.n - 1,
           convert_internal.import_id(var.v -> 'id', p.path || '.id', false),
           convert_internal.import_text(var.v -> 'key', p.path || '.key'),
           convert_internal.import_text(var.v -> 'name', p.path || '.name'),
           convert_internal.import_text(var.v -> 'status', p.path || '.status'),
           convert_internal.import_number(var.v -> 'traffic_allocation', p.path || '.traffic_allocation'),
           convert_internal.import_object(var.v, p.path)
               - ARRAY['id', 'key', 'name', 'status', 'traffic_allocation', 'changes']
    FROM convert_internal.import_elements(doc, 'experiences') e,
         jsonb_array_elements(convert_internal.import_array(e.v -> 'variations', e.path || '.variations'))
             WITH ORDINALITY AS var(v, n),
         LATERAL (SELECT format('%s.variations[%s]', e.path, var.n - 1) AS path) p
    ON CONFLICT (project_id, id) DO UPDATE
        SET experience_id = EXCLUDED.experience_id, position = EXCLUDED.position, key = EXCLUDED.key,
            name = EXCLUDED.name, status = EXCLUDED.status,
            traffic_allocation = EXCLUDED.traffic_allocation, extra = EXCLUDED.extra;
    DELETE FROM convert.variations v WHERE v.project_id = pid AND v.position < 0;
END
$$;

-- Every change of every variation, with its JSON path.
CREATE FUNCTION convert_internal.import_change_rows(doc jsonb)
RETURNS TABLE (variation_id bigint, pos integer, id bigint, type text, data jsonb, extra jsonb,
               path text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT convert_internal.import_id(var.v -> 'id', vp.path || '.id'), c.n::integer - 1,
           convert_internal.import_id(c.v -> 'id', cp.path || '.id', false),
           convert_internal.import_text(c.v -> 'type', cp.path || '.type'),
           coalesce(convert_internal.import_object(c.v -> 'data', cp.path || '.data'), '{}'),
           convert_internal.import_object(c.v, cp.path) - ARRAY['id', 'type', 'data'],
           cp.path
    FROM convert_internal.import_elements(doc, 'experiences') e,
         jsonb_array_elements(convert_internal.import_array(e.v -> 'variations', e.path || '.variations'))
             WITH ORDINALITY AS var(v, n),
         LATERAL (SELECT format('%s.variations[%s]', e.path, var.n - 1) AS path) vp,
         jsonb_array_elements(convert_internal.import_array(var.v -> 'changes', vp.path || '.changes'))
             WITH ORDINALITY AS c(v, n),
         LATERAL (SELECT format('%s.changes[%s]', vp.path, c.n - 1) AS path) cp
$$;

-- Changes are replaced wholesale; a feature change must name a feature.
CREATE FUNCTION convert_internal.import_changes(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    bad record;
BEGIN
    SELECT r.path, r.data -> 'feature_id' AS feature INTO bad
    FROM convert_internal.import_change_rows(doc) r
    WHERE r.type = 'fullStackFeature'
      AND NOT EXISTS (SELECT FROM convert.features f
                      WHERE f.project_id = pid AND f.id::text = r.data ->> 'feature_id')
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid config at %.data.feature_id: no feature with id % in the document',
                        bad.path, coalesce(bad.feature::text, 'null') USING ERRCODE = 'PT400';
    END IF;
    INSERT INTO convert.variation_changes (project_id, variation_id, position, id, type, data, extra)
    SELECT pid, r.variation_id, r.pos, r.id, r.type, r.data, r.extra
    FROM convert_internal.import_change_rows(doc) r;
END
$$;

CREATE FUNCTION convert_internal.import_archived(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.archived_experiences a
    WHERE a.project_id = pid
      AND a.experience_id NOT IN (
          SELECT convert_internal.import_id(t.v, 'archived_experiences')
          FROM jsonb_array_elements(convert_internal.import_array(doc -> 'archived_experiences',
                                                         'archived_experiences')) AS t(v));
    INSERT INTO convert.archived_experiences AS a (project_id, experience_id, position)
    SELECT pid, convert_internal.import_id(t.v, format('archived_experiences[%s]', t.n - 1)), min(t.n) - 1
    FROM jsonb_array_elements(convert_internal.import_array(doc -> 'archived_experiences', 'archived_experiences'))
         WITH ORDINALITY AS t(v, n)
    GROUP BY 2
    ON CONFLICT (project_id, experience_id) DO UPDATE SET position = EXCLUDED.position;
END
$$;

CREATE FUNCTION convert.import_project(config json)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    doc jsonb := config::jsonb;
    pid bigint;
    section text := 'project';
    msg text;
    detail text;
BEGIN
    IF jsonb_typeof(doc) <> 'object' THEN
        PERFORM convert_internal.import_fail('the top level', 'an object', doc);
    END IF;
    -- An SDK options document (like the SDK's test fixtures) holds the config in `data`.
    IF NOT doc ? 'account_id' AND jsonb_typeof(doc -> 'data') = 'object' THEN
        doc := doc -> 'data';
    END IF;
    IF doc ? 'error' THEN
        RAISE EXCEPTION 'invalid config: the document is an error response' USING ERRCODE = 'PT400',
            DETAIL = format('Its error member is %s.', left((doc -> 'error')::text, 200));
    END IF;
    PERFORM convert_internal.import_unique_ids(doc, l)
    FROM unnest(ARRAY['goals', 'locations', 'audiences', 'segments', 'features', 'experiences']) AS l;
    BEGIN
        pid := convert_internal.import_project_row(doc);
        -- Drop what refers to entities before the entities themselves.
        DELETE FROM convert.variation_changes c WHERE c.project_id = pid;
        DELETE FROM convert.experience_locations x WHERE x.project_id = pid;
        DELETE FROM convert.experience_audiences x WHERE x.project_id = pid;
        DELETE FROM convert.experience_goals x WHERE x.project_id = pid;
        DELETE FROM convert.experiences x
        WHERE x.project_id = pid
          AND x.id NOT IN (SELECT e.id
                           FROM convert_internal.import_elements(doc, 'experiences') e);
        section := 'goals';      PERFORM convert_internal.import_goals(pid, doc);
        section := 'locations';  PERFORM convert_internal.import_locations(pid, doc);
        section := 'audiences';  PERFORM convert_internal.import_audiences(pid, doc);
        section := 'segments';   PERFORM convert_internal.import_segments(pid, doc);
        section := 'features';   PERFORM convert_internal.import_features(pid, doc);
        section := 'experiences';
        PERFORM convert_internal.import_experiences(pid, doc);
        PERFORM convert_internal.import_experience_links(pid, doc);
        PERFORM convert_internal.import_variations(pid, doc);
        PERFORM convert_internal.import_changes(pid, doc);
        section := 'archived_experiences';
        PERFORM convert_internal.import_archived(pid, doc);
    EXCEPTION WHEN integrity_constraint_violation THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'invalid config at %: %', section, msg USING ERRCODE = 'PT400', DETAIL = detail;
    END;
    RETURN pid;
END
$$;

REVOKE ALL ON FUNCTION convert.import_project(json) FROM PUBLIC;
