-- Rendering: each entity's JSON as the Serving API shows it (one view per
-- entity), and the whole ConfigResponseData of a project.
--
-- Ids are JSON strings, except changes[].id (a number, as served).  A
-- member the model has no value for is left out, except `rules` and
-- `site_area`, which the API serves as null.  Unmodelled members (`extra`)
-- come first so that a modelled column always wins.

-- The object without its top-level null members (nested user JSON keeps its
-- nulls, unlike jsonb_strip_nulls).
CREATE FUNCTION convert_internal.jsonb_without_nulls(doc jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(pg_catalog.jsonb_object_agg(e.key, e.value), '{}'::jsonb)
    FROM pg_catalog.jsonb_each(doc) AS e
    WHERE pg_catalog.jsonb_typeof(e.value) <> 'null'
$$;

CREATE FUNCTION convert_internal.rules_jsonb(r convert.rules)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(r::text::jsonb, 'null'::jsonb) $$;

-- Does an experience run in the requested environment?  No environment asked
-- for: all do.  Otherwise its `environment` must match; an experience with
-- none runs everywhere, unless its deprecated `environments` list excludes it.
CREATE FUNCTION convert_internal.experience_in_environment(requested text, environment text,
                                                  environments text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT requested IS NULL
        OR environment = requested
        OR (environment IS NULL
            AND (coalesce(pg_catalog.cardinality(environments), 0) = 0
                 OR requested = ANY (environments)))
$$;

CREATE VIEW convert.goal_documents AS
SELECT g.project_id, g.id, g.position,
       g.extra
       || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', g.id::text, 'key', g.key, 'name', g.name, 'type', g.type,
              'settings', g.settings))
       || pg_catalog.jsonb_build_object('rules', convert_internal.rules_jsonb(g.rules)) AS doc
FROM convert.goals g;

CREATE VIEW convert.location_documents AS
SELECT l.project_id, l.id, l.position,
       l.extra
       || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', l.id::text, 'key', l.key, 'name', l.name,
              'trigger', CASE WHEN l.trigger_type IS NOT NULL
                              THEN l.trigger_settings
                                   || pg_catalog.jsonb_build_object('type', l.trigger_type) END))
       || pg_catalog.jsonb_build_object('rules', convert_internal.rules_jsonb(l.rules)) AS doc
FROM convert.locations l;

CREATE VIEW convert.audience_documents AS
SELECT a.project_id, a.id, a.position,
       a.extra
       || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', a.id::text, 'key', a.key, 'name', a.name, 'type', a.type))
       || pg_catalog.jsonb_build_object('rules', convert_internal.rules_jsonb(a.rules)) AS doc
FROM convert.audiences a;

CREATE VIEW convert.segment_documents AS
SELECT s.project_id, s.id, s.position,
       s.extra
       || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', s.id::text, 'key', s.key, 'name', s.name))
       || pg_catalog.jsonb_build_object('rules', convert_internal.rules_jsonb(s.rules)) AS doc
FROM convert.segments s;

CREATE VIEW convert.feature_documents AS
SELECT f.project_id, f.id, f.position,
       f.extra
       || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', f.id::text, 'key', f.key, 'name', f.name))
       || pg_catalog.jsonb_build_object('variables', (
              SELECT coalesce(pg_catalog.jsonb_agg(
                         fv.extra || pg_catalog.jsonb_build_object('key', fv.key, 'type', fv.type)
                         ORDER BY fv.position, fv.key), '[]'::jsonb)
              FROM convert.feature_variables fv
              WHERE fv.project_id = f.project_id AND fv.feature_id = f.id)) AS doc
FROM convert.features f;

CREATE VIEW convert.variation_documents AS
SELECT v.project_id, v.experience_id, v.position, v.id,
       v.extra
       || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', v.id::text, 'key', v.key, 'name', v.name, 'status', v.status,
              'traffic_allocation', v.traffic_allocation))
       || pg_catalog.jsonb_build_object('changes', (
              SELECT coalesce(pg_catalog.jsonb_agg(
                         c.extra
                         || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                                'id', c.id, 'type', c.type))
                         || pg_catalog.jsonb_build_object('data', c.data)
                         ORDER BY c.position), '[]'::jsonb)
              FROM convert.variation_changes c
              WHERE c.project_id = v.project_id AND c.variation_id = v.id)) AS doc
FROM convert.variations v;

-- experience.settings: the stored settings with matching_options' two
-- modelled members put back.
CREATE FUNCTION convert_internal.experience_settings_document(settings jsonb, audiences text, locations text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN audiences IS NULL AND locations IS NULL THEN settings
        ELSE coalesce(settings, '{}'::jsonb)
             || pg_catalog.jsonb_build_object('matching_options',
                    coalesce(settings -> 'matching_options', '{}'::jsonb)
                    || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                           'audiences', audiences, 'locations', locations)))
    END
$$;

CREATE VIEW convert.experience_documents AS
SELECT e.project_id, e.id, e.position, e.status, e.environment, e.environments,
       e.extra
       || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', e.id::text, 'key', e.key, 'name', e.name, 'type', e.type,
              'status', e.status, 'version', e.version,
              'environment', e.environment, 'environments', pg_catalog.to_jsonb(e.environments),
              'settings', convert_internal.experience_settings_document(e.settings, e.matching_audiences,
                                                               e.matching_locations),
              'integrations', e.integrations, 'global_js', e.global_js, 'global_css', e.global_css))
       || pg_catalog.jsonb_build_object(
              'site_area', convert_internal.rules_jsonb(e.site_area),
              'locations', (
                  SELECT coalesce(pg_catalog.jsonb_agg(el.location_id::text
                                                       ORDER BY el.position, el.location_id), '[]'::jsonb)
                  FROM convert.experience_locations el
                  WHERE el.project_id = e.project_id AND el.experience_id = e.id),
              'audiences', (
                  SELECT coalesce(pg_catalog.jsonb_agg(coalesce(ea.audience_id, ea.segment_id)::text
                                                       ORDER BY ea.position), '[]'::jsonb)
                  FROM convert.experience_audiences ea
                  WHERE ea.project_id = e.project_id AND ea.experience_id = e.id),
              'goals', (
                  SELECT coalesce(pg_catalog.jsonb_agg(eg.goal_id::text
                                                       ORDER BY eg.position, eg.goal_id), '[]'::jsonb)
                  FROM convert.experience_goals eg
                  WHERE eg.project_id = e.project_id AND eg.experience_id = e.id),
              'variations', (
                  SELECT coalesce(pg_catalog.jsonb_agg(vd.doc ORDER BY vd.position), '[]'::jsonb)
                  FROM convert.variation_documents vd
                  WHERE vd.project_id = e.project_id AND vd.experience_id = e.id)) AS doc
FROM convert.experiences e;

-- project: with an environment, its global JavaScript is appended to the
-- project's after a newline.
CREATE FUNCTION convert_internal.project_document(project_id bigint, environment text)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT p.extra
               || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                      'id', p.id::text, 'name', p.name, 'type', p.type, 'utc_offset', p.utc_offset,
                      'global_javascript', (
                          SELECT CASE WHEN pe.global_javascript IS NULL THEN p.global_javascript
                                      ELSE pg_catalog.concat_ws(E'\n', p.global_javascript, pe.global_javascript)
                                 END
                          FROM (SELECT NULL) AS one
                          LEFT JOIN convert.project_environments pe
                                 ON pe.project_id = p.id AND pe.name = project_document.environment),
                      'settings', p.settings
                                  || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                                         'integrations', p.integrations, 'outliers', p.outliers))
                                  || CASE WHEN p.tracking_script IS NULL THEN '{}'::jsonb
                                          ELSE pg_catalog.jsonb_build_object('tracking_script', p.tracking_script)
                                     END,
                      'environments', (
                          SELECT pg_catalog.jsonb_object_agg(pe.name, convert_internal.jsonb_without_nulls(
                                     pg_catalog.jsonb_build_object('label', pe.label,
                                                                   'is_default', pe.is_default)))
                          FROM convert.project_environments pe
                          WHERE pe.project_id = p.id)))
        FROM convert.projects p
        WHERE p.id = project_document.project_id);
END
$$;

-- Ids for archived_experiences: the recorded ones, then completed or
-- archived experiences that are not recorded.
CREATE FUNCTION convert_internal.archived_experience_ids(project_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT coalesce(pg_catalog.jsonb_agg(a.id::text ORDER BY a.source, a.position, a.id), '[]'::jsonb)
        FROM (SELECT ae.experience_id AS id, 0 AS source, ae.position
              FROM convert.archived_experiences ae
              WHERE ae.project_id = archived_experience_ids.project_id
              UNION ALL
              SELECT e.id, 1, e.position
              FROM convert.experiences e
              WHERE e.project_id = archived_experience_ids.project_id
                AND e.status IN ('completed', 'archived')
                AND NOT EXISTS (SELECT FROM convert.archived_experiences ae
                                WHERE ae.project_id = e.project_id AND ae.experience_id = e.id)) AS a);
END
$$;

-- The whole document, rendered from the tables (no cache, no access check).
-- Live: active experiences; debug: also draft and paused ones.
CREATE FUNCTION convert_internal.render_config(project_id bigint, environment text, debug boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT pg_catalog.jsonb_build_object(
            'account_id', p.account_id::text,
            'project', convert_internal.project_document(p.id, render_config.environment),
            'goals', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                      FROM convert.goal_documents d WHERE d.project_id = p.id),
            'locations', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                          FROM convert.location_documents d WHERE d.project_id = p.id),
            'audiences', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                          FROM convert.audience_documents d WHERE d.project_id = p.id),
            'segments', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                         FROM convert.segment_documents d WHERE d.project_id = p.id),
            'experiences', (
                SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                FROM convert.experience_documents d
                WHERE d.project_id = p.id
                  AND (d.status = 'active' OR (render_config.debug AND d.status IN ('draft', 'paused')))
                  AND convert_internal.experience_in_environment(render_config.environment, d.environment,
                                                        d.environments)),
            'archived_experiences', convert_internal.archived_experience_ids(p.id),
            'features', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                         FROM convert.feature_documents d WHERE d.project_id = p.id),
            'is_debug', render_config.debug)
        FROM convert.projects p
        WHERE p.id = render_config.project_id);
END
$$;

-- Each project's live config without an environment filter.
CREATE VIEW convert.project_configs AS
SELECT p.account_id, p.id AS project_id, convert_internal.render_config(p.id, NULL, false)::json AS config
FROM convert.projects p;

REVOKE ALL ON FUNCTION convert_internal.render_config(bigint, text, boolean),
              convert_internal.project_document(bigint, text),
              convert_internal.archived_experience_ids(bigint) FROM PUBLIC;
