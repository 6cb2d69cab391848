-- convert: schema-wide setup.  Parts of the install script are concatenated
-- in file-name order into sql/convert--<version>.sql by the Makefile.

\echo Use "CREATE EXTENSION convert" to load this file. \quit

COMMENT ON SCHEMA convert IS 'Convert experiments: bucketing, rules, config serving and tracking';
-- Hashing and bucketing, bit for bit as the official Convert SDK computes them.

CREATE FUNCTION convert.murmurhash3(value text, seed bigint DEFAULT 9999)
RETURNS bigint
AS 'MODULE_PATHNAME', 'convert_murmurhash3'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION convert.murmurhash3(text, bigint) IS
'MurmurHash3 x86 32-bit of the UTF-8 bytes of value, as an unsigned integer; the seed is taken modulo 2^32';

CREATE FUNCTION convert.bucket_value(visitor_id text, experience_id text DEFAULT '',
                                     seed bigint DEFAULT 9999, max_traffic int DEFAULT 10000)
RETURNS int
AS 'MODULE_PATHNAME', 'convert_bucket_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION convert.bucket_value(text, text, bigint, int) IS
'The SDK''s bucket value (0..max_traffic-1) of experience_id followed by visitor_id';

CREATE FUNCTION convert.select_variation(variations jsonb, experience_id text, visitor_id text,
                                         version int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'convert_select_variation'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION convert.select_variation(jsonb, text, text, int) IS
'Variation id the SDK buckets visitor_id into (packed layout, or anchored when version > 11), or NULL when none';
-- Rules: Convert's rule JSON ({"OR":[{"AND":[{"OR_WHEN":[rule, ...]}]}]})
-- as a type.  Input validates and compiles it once; rules_match evaluates
-- it per row exactly as the official SDK's RuleManager does.

CREATE TYPE convert.rules;

CREATE FUNCTION convert.rules_in(cstring)
RETURNS convert.rules
AS 'MODULE_PATHNAME', 'convert_rules_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.rules_out(convert.rules)
RETURNS cstring
AS 'MODULE_PATHNAME', 'convert_rules_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.rules_recv(internal)
RETURNS convert.rules
AS 'MODULE_PATHNAME', 'convert_rules_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.rules_send(convert.rules)
RETURNS bytea
AS 'MODULE_PATHNAME', 'convert_rules_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE convert.rules (
    INPUT = convert.rules_in,
    OUTPUT = convert.rules_out,
    RECEIVE = convert.rules_recv,
    SEND = convert.rules_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);

COMMENT ON TYPE convert.rules IS
'Convert rule tree (OR -> AND -> OR_WHEN -> rule), validated and compiled on input; prints as canonical JSON';

-- json/jsonb -> rules go through the text form (validated like any input);
-- rules -> json/jsonb give the canonical JSON.
CREATE CAST (json AS convert.rules) WITH INOUT AS ASSIGNMENT;
CREATE CAST (jsonb AS convert.rules) WITH INOUT AS ASSIGNMENT;
CREATE CAST (convert.rules AS json) WITH INOUT AS ASSIGNMENT;
CREATE CAST (convert.rules AS jsonb) WITH INOUT AS ASSIGNMENT;

CREATE FUNCTION convert.rules_match(rules convert.rules, properties jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'convert_rules_match'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION convert.rules_match(convert.rules, jsonb) IS
'The SDK''s isRuleMatched(properties, rules): true or false; NULL when an argument is NULL';
-- Project model: the tables behind the Serving API's config document
-- (shared/spec/data-model.md).  Every entity row belongs to one project; ids
-- are Convert's numeric ids (served as JSON strings).  Fields that the model
-- does not name are kept verbatim in `extra` and served unchanged; `position`
-- keeps the document's array order, which the SDK depends on.

CREATE FUNCTION convert.random_bytes(n int)
RETURNS bytea
AS 'MODULE_PATHNAME', 'convert_random_bytes'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.secret_equal(a bytea, b bytea)
RETURNS boolean
AS 'MODULE_PATHNAME', 'convert_secret_equal'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

REVOKE ALL ON FUNCTION convert.random_bytes(int), convert.secret_equal(bytea, bytea) FROM PUBLIC;

CREATE TABLE convert.accounts (
    id          bigint PRIMARY KEY CONSTRAINT accounts_id_positive CHECK (id > 0),
    name        text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE convert.projects (
    id              bigint PRIMARY KEY CONSTRAINT projects_id_positive CHECK (id > 0),
    account_id      bigint NOT NULL REFERENCES convert.accounts ON DELETE CASCADE,
    name            text,
    type            text NOT NULL DEFAULT 'fullstack'
                    CONSTRAINT projects_type_valid CHECK (type IN ('fullstack', 'web')),
    utc_offset      integer
                    CONSTRAINT projects_utc_offset_range CHECK (utc_offset BETWEEN -43200 AND 50400),
    global_javascript text,
    -- project.settings, split where the API documents a structure
    settings        jsonb NOT NULL DEFAULT '{}'
                    CONSTRAINT projects_settings_object CHECK (jsonb_typeof(settings) = 'object'),
    integrations    jsonb CONSTRAINT projects_integrations_object CHECK (jsonb_typeof(integrations) = 'object'),
    outliers        jsonb CONSTRAINT projects_outliers_object CHECK (jsonb_typeof(outliers) = 'object'),
    tracking_script jsonb CONSTRAINT projects_tracking_script_object
                    CHECK (jsonb_typeof(tracking_script) IN ('object', 'null')),
    -- true: only SDK keys reach the config, the account/project route is refused
    disable_default_config boolean NOT NULL DEFAULT false,
    extra           jsonb NOT NULL DEFAULT '{}'
                    CONSTRAINT projects_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    UNIQUE (account_id, id)
);

CREATE TABLE convert.project_environments (
    project_id      bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    -- '' and '*' are the config cache's keys for "none" and "any other"
    name            text NOT NULL CONSTRAINT project_environments_name_valid CHECK (name NOT IN ('', '*')),
    label           text,
    is_default      boolean NOT NULL DEFAULT false,
    -- appended (after a newline) to the project's global_javascript when a
    -- config is requested for this environment
    global_javascript text,
    PRIMARY KEY (project_id, name)
);
CREATE UNIQUE INDEX project_environments_one_default
    ON convert.project_environments (project_id) WHERE is_default;

CREATE TABLE convert.sdk_keys (
    sdk_key     text PRIMARY KEY
                CONSTRAINT sdk_keys_sdk_key_format CHECK (sdk_key ~ '^[A-Za-z0-9._~/-]{1,200}$'),
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    environment text,
    -- sha256(salt || secret); the secret itself is never stored
    secret_salt bytea,
    secret_hash bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sdk_keys_secret_complete
        CHECK ((secret_salt IS NULL) = (secret_hash IS NULL)
               AND (secret_hash IS NULL OR length(secret_hash) = 32)),
    FOREIGN KEY (project_id, environment) REFERENCES convert.project_environments (project_id, name)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX sdk_keys_project ON convert.sdk_keys (project_id);

CREATE TABLE convert.goals (
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    id          bigint NOT NULL CONSTRAINT goals_id_positive CHECK (id > 0),
    key         text NOT NULL,
    name        text,
    type        text CONSTRAINT goals_type_valid CHECK (type IN (
                    'advanced', 'dom_interaction', 'scroll_percentage', 'code_trigger', 'revenue',
                    'visits_page', 'ga_import', 'submits_form', 'clicks_link', 'clicks_element')),
    settings    jsonb CONSTRAINT goals_settings_object CHECK (jsonb_typeof(settings) = 'object'),
    rules       convert.rules,
    position    integer NOT NULL DEFAULT 0,
    extra       jsonb NOT NULL DEFAULT '{}' CONSTRAINT goals_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, id),
    CONSTRAINT goals_key_unique UNIQUE (project_id, key)
);

CREATE TABLE convert.locations (
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    id          bigint NOT NULL CONSTRAINT locations_id_positive CHECK (id > 0),
    key         text,
    name        text,
    trigger_type text CONSTRAINT locations_trigger_type_valid
                CHECK (trigger_type IN ('upon_run', 'manual', 'dom_element', 'callback')),
    -- the trigger's other members: selector and events, or js
    trigger_settings jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT locations_trigger_settings_object CHECK (jsonb_typeof(trigger_settings) = 'object'),
    rules       convert.rules,
    position    integer NOT NULL DEFAULT 0,
    extra       jsonb NOT NULL DEFAULT '{}' CONSTRAINT locations_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, id),
    CONSTRAINT locations_key_unique UNIQUE (project_id, key)
);

CREATE TABLE convert.audiences (
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    id          bigint NOT NULL CONSTRAINT audiences_id_positive CHECK (id > 0),
    key         text,
    name        text,
    type        text CONSTRAINT audiences_type_valid CHECK (type IN ('permanent', 'transient')),
    rules       convert.rules,
    position    integer NOT NULL DEFAULT 0,
    extra       jsonb NOT NULL DEFAULT '{}' CONSTRAINT audiences_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, id),
    CONSTRAINT audiences_key_unique UNIQUE (project_id, key)
);

CREATE TABLE convert.segments (
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    id          bigint NOT NULL CONSTRAINT segments_id_positive CHECK (id > 0),
    key         text,
    name        text,
    rules       convert.rules,
    position    integer NOT NULL DEFAULT 0,
    extra       jsonb NOT NULL DEFAULT '{}' CONSTRAINT segments_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, id),
    CONSTRAINT segments_key_unique UNIQUE (project_id, key)
);

CREATE TABLE convert.features (
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    id          bigint NOT NULL CONSTRAINT features_id_positive CHECK (id > 0),
    key         text NOT NULL,
    name        text,
    position    integer NOT NULL DEFAULT 0,
    extra       jsonb NOT NULL DEFAULT '{}' CONSTRAINT features_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, id),
    CONSTRAINT features_key_unique UNIQUE (project_id, key)
);

CREATE TABLE convert.feature_variables (
    project_id  bigint NOT NULL,
    feature_id  bigint NOT NULL,
    key         text NOT NULL,
    type        text NOT NULL CONSTRAINT feature_variables_type_valid
                CHECK (type IN ('boolean', 'float', 'json', 'integer', 'string')),
    position    integer NOT NULL DEFAULT 0,
    extra       jsonb NOT NULL DEFAULT '{}' CONSTRAINT feature_variables_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, feature_id, key),
    FOREIGN KEY (project_id, feature_id) REFERENCES convert.features ON DELETE CASCADE
);

CREATE TABLE convert.experiences (
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    id          bigint NOT NULL CONSTRAINT experiences_id_positive CHECK (id > 0),
    key         text,
    name        text,
    type        text CONSTRAINT experiences_type_valid CHECK (type IN (
                    'a/b', 'a/a', 'mvt', 'split_url', 'multipage', 'deploy',
                    'a/b_fullstack', 'feature_rollout')),
    -- live configs serve 'active'; debug configs also 'draft' and 'paused';
    -- 'completed' and 'archived' ids are listed in archived_experiences
    status      text NOT NULL DEFAULT 'draft' CONSTRAINT experiences_status_valid CHECK (status IN (
                    'draft', 'active', 'paused', 'completed', 'scheduled', 'archived')),
    version     numeric,
    environment text CONSTRAINT experiences_environment_valid CHECK (environment NOT IN ('', '*')),
    environments text[]                     -- the deprecated list form
                CONSTRAINT experiences_environments_valid CHECK ('' <> ALL (environments)
                                                                 AND '*' <> ALL (environments)),
    site_area   convert.rules,
    matching_audiences text CONSTRAINT experiences_matching_audiences_valid
                CHECK (matching_audiences IN ('any', 'all')),
    matching_locations text CONSTRAINT experiences_matching_locations_valid
                CHECK (matching_locations IN ('any', 'all')),
    -- experience.settings other than matching_options
    settings    jsonb CONSTRAINT experiences_settings_object CHECK (jsonb_typeof(settings) = 'object'),
    integrations jsonb CONSTRAINT experiences_integrations_array CHECK (jsonb_typeof(integrations) = 'array'),
    global_js   text,
    global_css  text,
    position    integer NOT NULL DEFAULT 0,
    extra       jsonb NOT NULL DEFAULT '{}' CONSTRAINT experiences_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, id),
    CONSTRAINT experiences_key_unique UNIQUE (project_id, key)
);

-- experiences[].locations, .audiences (audience or segment ids) and .goals.
-- References to entities are checked at commit: deleting a whole project
-- cascades through both sides, and a transaction may replace an entity.
CREATE TABLE convert.experience_locations (
    project_id    bigint NOT NULL,
    experience_id bigint NOT NULL,
    location_id   bigint NOT NULL,
    position      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, experience_id, location_id),
    FOREIGN KEY (project_id, experience_id) REFERENCES convert.experiences ON DELETE CASCADE,
    FOREIGN KEY (project_id, location_id) REFERENCES convert.locations DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX experience_locations_location ON convert.experience_locations (project_id, location_id);

CREATE TABLE convert.experience_audiences (
    project_id    bigint NOT NULL,
    experience_id bigint NOT NULL,
    position      integer NOT NULL DEFAULT 0,
    audience_id   bigint,
    segment_id    bigint,
    CONSTRAINT experience_audiences_one_target CHECK (num_nonnulls(audience_id, segment_id) = 1),
    UNIQUE (project_id, experience_id, audience_id),
    UNIQUE (project_id, experience_id, segment_id),
    FOREIGN KEY (project_id, experience_id) REFERENCES convert.experiences ON DELETE CASCADE,
    FOREIGN KEY (project_id, audience_id) REFERENCES convert.audiences DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (project_id, segment_id) REFERENCES convert.segments DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX experience_audiences_audience ON convert.experience_audiences (project_id, audience_id);
CREATE INDEX experience_audiences_segment ON convert.experience_audiences (project_id, segment_id);

CREATE TABLE convert.experience_goals (
    project_id    bigint NOT NULL,
    experience_id bigint NOT NULL,
    goal_id       bigint NOT NULL,
    position      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, experience_id, goal_id),
    FOREIGN KEY (project_id, experience_id) REFERENCES convert.experiences ON DELETE CASCADE,
    FOREIGN KEY (project_id, goal_id) REFERENCES convert.goals DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX experience_goals_goal ON convert.experience_goals (project_id, goal_id);

-- A variation is identified by its place in the experience, because the SDK
-- accepts (and the fixtures contain) variations without an id.
CREATE TABLE convert.variations (
    project_id    bigint NOT NULL,
    experience_id bigint NOT NULL,
    position      integer NOT NULL,
    id            bigint CONSTRAINT variations_id_positive CHECK (id > 0),
    key           text,
    name          text,
    status        text CONSTRAINT variations_status_valid CHECK (status IN ('running', 'stopped')),
    -- a percentage; NULL is the SDK's "absent", which counts as 100
    traffic_allocation numeric CONSTRAINT variations_traffic_allocation_range
                  CHECK (traffic_allocation BETWEEN 0 AND 100),
    extra         jsonb NOT NULL DEFAULT '{}' CONSTRAINT variations_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    PRIMARY KEY (project_id, experience_id, position),
    CONSTRAINT variations_id_unique UNIQUE (project_id, id),
    FOREIGN KEY (project_id, experience_id) REFERENCES convert.experiences ON DELETE CASCADE
);

CREATE TABLE convert.variation_changes (
    project_id    bigint NOT NULL,
    variation_id  bigint NOT NULL,
    position      integer NOT NULL DEFAULT 0,
    id            bigint,
    type          text NOT NULL CONSTRAINT variation_changes_type_valid CHECK (type IN (
                      'fullStackFeature', 'defaultCode', 'defaultCodeMultipage', 'defaultRedirect',
                      'customCode', 'richStructure')),
    -- served verbatim (feature_id keeps its JSON type)
    data          jsonb NOT NULL DEFAULT '{}'
                  CONSTRAINT variation_changes_data_object CHECK (jsonb_typeof(data) = 'object'),
    feature_id    bigint GENERATED ALWAYS AS (
                      CASE WHEN type = 'fullStackFeature' AND data ->> 'feature_id' ~ '^[0-9]{1,18}$'
                           THEN (data ->> 'feature_id')::bigint END) STORED,
    extra         jsonb NOT NULL DEFAULT '{}'
                  CONSTRAINT variation_changes_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    CONSTRAINT variation_changes_feature_id_numeric
        CHECK (type <> 'fullStackFeature' OR feature_id IS NOT NULL),
    PRIMARY KEY (project_id, variation_id, position),
    FOREIGN KEY (project_id, variation_id) REFERENCES convert.variations (project_id, id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (project_id, feature_id) REFERENCES convert.features DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX variation_changes_feature ON convert.variation_changes (project_id, feature_id);

-- Ids served in archived_experiences besides completed/archived experiences:
-- experiences archived elsewhere (e.g. listed by an imported document).
CREATE TABLE convert.archived_experiences (
    project_id    bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    experience_id bigint NOT NULL CONSTRAINT archived_experiences_id_positive CHECK (experience_id > 0),
    position      integer NOT NULL DEFAULT 0,
    archived_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, experience_id)
);

-- Debug tokens are random (192 bits), so an unsalted sha256 is a safe and
-- indexable stand-in for them.
CREATE TABLE convert.debug_tokens (
    token_hash  bytea PRIMARY KEY CONSTRAINT debug_tokens_hash_length CHECK (length(token_hash) = 32),
    project_id  bigint NOT NULL REFERENCES convert.projects ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CONSTRAINT debug_tokens_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX debug_tokens_project ON convert.debug_tokens (project_id);

-- pg_dump keeps the users' rows of every model table.
SELECT pg_catalog.pg_extension_config_dump('convert.accounts', '');
SELECT pg_catalog.pg_extension_config_dump('convert.projects', '');
SELECT pg_catalog.pg_extension_config_dump('convert.project_environments', '');
SELECT pg_catalog.pg_extension_config_dump('convert.sdk_keys', '');
SELECT pg_catalog.pg_extension_config_dump('convert.goals', '');
SELECT pg_catalog.pg_extension_config_dump('convert.locations', '');
SELECT pg_catalog.pg_extension_config_dump('convert.audiences', '');
SELECT pg_catalog.pg_extension_config_dump('convert.segments', '');
SELECT pg_catalog.pg_extension_config_dump('convert.features', '');
SELECT pg_catalog.pg_extension_config_dump('convert.feature_variables', '');
SELECT pg_catalog.pg_extension_config_dump('convert.experiences', '');
SELECT pg_catalog.pg_extension_config_dump('convert.experience_locations', '');
SELECT pg_catalog.pg_extension_config_dump('convert.experience_audiences', '');
SELECT pg_catalog.pg_extension_config_dump('convert.experience_goals', '');
SELECT pg_catalog.pg_extension_config_dump('convert.variations', '');
SELECT pg_catalog.pg_extension_config_dump('convert.variation_changes', '');
SELECT pg_catalog.pg_extension_config_dump('convert.archived_experiences', '');
SELECT pg_catalog.pg_extension_config_dump('convert.debug_tokens', '');
-- Model checks that span rows: run at commit, so that a transaction may
-- rebalance an experience's variations one row at a time.

CREATE FUNCTION convert.check_traffic_allocation()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    total numeric;
BEGIN
    SELECT sum(v.traffic_allocation) INTO total
    FROM convert.variations v
    WHERE v.project_id = NEW.project_id AND v.experience_id = NEW.experience_id;
    IF total > 100 THEN
        RAISE EXCEPTION 'traffic allocations of experience % add up to more than 100', NEW.experience_id
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The variations of experience %s in project %s add up to %s percent.',
                                  NEW.experience_id, NEW.project_id, total),
                  HINT = 'traffic_allocation is a percentage of the experience''s traffic.';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER variations_traffic_allocation_total
    AFTER INSERT OR UPDATE OF traffic_allocation, experience_id ON convert.variations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION convert.check_traffic_allocation();
-- Rendering: each entity's JSON as the Serving API shows it (one view per
-- entity), and the whole ConfigResponseData of a project.
--
-- Ids are JSON strings, except changes[].id (a number, as served).  A
-- member the model has no value for is left out, except `rules` and
-- `site_area`, which the API serves as null.  Unmodelled members (`extra`)
-- come first so that a modelled column always wins.

-- The object without its top-level null members (nested user JSON keeps its
-- nulls, unlike jsonb_strip_nulls).
CREATE FUNCTION convert.jsonb_without_nulls(doc jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(pg_catalog.jsonb_object_agg(e.key, e.value), '{}'::jsonb)
    FROM pg_catalog.jsonb_each(doc) AS e
    WHERE pg_catalog.jsonb_typeof(e.value) <> 'null'
$$;

CREATE FUNCTION convert.rules_jsonb(r convert.rules)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(r::text::jsonb, 'null'::jsonb) $$;

-- Does an experience run in the requested environment?  No environment asked
-- for: all do.  Otherwise its `environment` must match; an experience with
-- none runs everywhere, unless its deprecated `environments` list excludes it.
CREATE FUNCTION convert.experience_in_environment(requested text, environment text,
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
       || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', g.id::text, 'key', g.key, 'name', g.name, 'type', g.type,
              'settings', g.settings))
       || pg_catalog.jsonb_build_object('rules', convert.rules_jsonb(g.rules)) AS doc
FROM convert.goals g;

CREATE VIEW convert.location_documents AS
SELECT l.project_id, l.id, l.position,
       l.extra
       || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', l.id::text, 'key', l.key, 'name', l.name,
              'trigger', CASE WHEN l.trigger_type IS NOT NULL
                              THEN l.trigger_settings
                                   || pg_catalog.jsonb_build_object('type', l.trigger_type) END))
       || pg_catalog.jsonb_build_object('rules', convert.rules_jsonb(l.rules)) AS doc
FROM convert.locations l;

CREATE VIEW convert.audience_documents AS
SELECT a.project_id, a.id, a.position,
       a.extra
       || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', a.id::text, 'key', a.key, 'name', a.name, 'type', a.type))
       || pg_catalog.jsonb_build_object('rules', convert.rules_jsonb(a.rules)) AS doc
FROM convert.audiences a;

CREATE VIEW convert.segment_documents AS
SELECT s.project_id, s.id, s.position,
       s.extra
       || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', s.id::text, 'key', s.key, 'name', s.name))
       || pg_catalog.jsonb_build_object('rules', convert.rules_jsonb(s.rules)) AS doc
FROM convert.segments s;

CREATE VIEW convert.feature_documents AS
SELECT f.project_id, f.id, f.position,
       f.extra
       || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
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
       || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', v.id::text, 'key', v.key, 'name', v.name, 'status', v.status,
              'traffic_allocation', v.traffic_allocation))
       || pg_catalog.jsonb_build_object('changes', (
              SELECT coalesce(pg_catalog.jsonb_agg(
                         c.extra
                         || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                                'id', c.id, 'type', c.type))
                         || pg_catalog.jsonb_build_object('data', c.data)
                         ORDER BY c.position), '[]'::jsonb)
              FROM convert.variation_changes c
              WHERE c.project_id = v.project_id AND c.variation_id = v.id)) AS doc
FROM convert.variations v;

-- experience.settings: the stored settings with matching_options' two
-- modelled members put back.
CREATE FUNCTION convert.experience_settings_document(settings jsonb, audiences text, locations text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN audiences IS NULL AND locations IS NULL THEN settings
        ELSE coalesce(settings, '{}'::jsonb)
             || pg_catalog.jsonb_build_object('matching_options',
                    coalesce(settings -> 'matching_options', '{}'::jsonb)
                    || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                           'audiences', audiences, 'locations', locations)))
    END
$$;

CREATE VIEW convert.experience_documents AS
SELECT e.project_id, e.id, e.position, e.status, e.environment, e.environments,
       e.extra
       || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
              'id', e.id::text, 'key', e.key, 'name', e.name, 'type', e.type,
              'status', e.status, 'version', e.version,
              'environment', e.environment, 'environments', pg_catalog.to_jsonb(e.environments),
              'settings', convert.experience_settings_document(e.settings, e.matching_audiences,
                                                               e.matching_locations),
              'integrations', e.integrations, 'global_js', e.global_js, 'global_css', e.global_css))
       || pg_catalog.jsonb_build_object(
              'site_area', convert.rules_jsonb(e.site_area),
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
CREATE FUNCTION convert.project_document(project_id bigint, environment text)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p.extra
           || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                  'id', p.id::text, 'name', p.name, 'type', p.type, 'utc_offset', p.utc_offset,
                  'global_javascript', (
                      SELECT CASE WHEN pe.global_javascript IS NULL THEN p.global_javascript
                                  ELSE pg_catalog.concat_ws(E'\n', p.global_javascript, pe.global_javascript)
                             END
                      FROM (SELECT NULL) AS one
                      LEFT JOIN convert.project_environments pe
                             ON pe.project_id = p.id AND pe.name = project_document.environment),
                  'settings', p.settings
                              || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                                     'integrations', p.integrations, 'outliers', p.outliers))
                              || CASE WHEN p.tracking_script IS NULL THEN '{}'::jsonb
                                      ELSE pg_catalog.jsonb_build_object('tracking_script', p.tracking_script)
                                 END,
                  'environments', (
                      SELECT pg_catalog.jsonb_object_agg(pe.name, convert.jsonb_without_nulls(
                                 pg_catalog.jsonb_build_object('label', pe.label,
                                                               'is_default', pe.is_default)))
                      FROM convert.project_environments pe
                      WHERE pe.project_id = p.id)))
    FROM convert.projects p
    WHERE p.id = project_document.project_id
$$;

-- Ids for archived_experiences: the recorded ones, then completed or
-- archived experiences that are not recorded.
CREATE FUNCTION convert.archived_experience_ids(project_id bigint)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
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
                            WHERE ae.project_id = e.project_id AND ae.experience_id = e.id)) AS a
$$;

-- The whole document, rendered from the tables (no cache, no access check).
-- Live: active experiences; debug: also draft and paused ones.
CREATE FUNCTION convert.render_config(project_id bigint, environment text, debug boolean)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.jsonb_build_object(
        'account_id', p.account_id::text,
        'project', convert.project_document(p.id, render_config.environment),
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
              AND convert.experience_in_environment(render_config.environment, d.environment,
                                                    d.environments)),
        'archived_experiences', convert.archived_experience_ids(p.id),
        'features', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                     FROM convert.feature_documents d WHERE d.project_id = p.id),
        'is_debug', render_config.debug)
    FROM convert.projects p
    WHERE p.id = render_config.project_id
$$;

-- Each project's live config without an environment filter.
CREATE VIEW convert.project_configs AS
SELECT p.account_id, p.id AS project_id, convert.render_config(p.id, NULL, false)::json AS config
FROM convert.projects p;

REVOKE ALL ON FUNCTION convert.render_config(bigint, text, boolean),
              convert.project_document(bigint, text),
              convert.archived_experience_ids(bigint) FROM PUBLIC;
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
CREATE FUNCTION convert.config_cache_environments(project_id bigint)
RETURNS SETOF text
LANGUAGE sql STABLE
AS $$
    SELECT '' UNION SELECT '*'
    UNION SELECT pe.name FROM convert.project_environments pe
          WHERE pe.project_id = config_cache_environments.project_id
    UNION SELECT e.environment FROM convert.experiences e
          WHERE e.project_id = config_cache_environments.project_id AND e.environment IS NOT NULL
    UNION SELECT pg_catalog.unnest(e.environments) FROM convert.experiences e
          WHERE e.project_id = config_cache_environments.project_id
$$;

-- Render a project's cache entries again (also usable by hand, e.g. after
-- loading tables with triggers disabled).  Returns whether anything changed.
CREATE FUNCTION convert.refresh_config_cache(project_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert
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
    DELETE FROM convert.config_cache c
    WHERE c.project_id = pid
      AND c.environment NOT IN (SELECT convert.config_cache_environments(pid));
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    INSERT INTO convert.config_cache AS c (project_id, environment, debug, config, etag)
    SELECT pid, r.environment, r.debug, r.doc::json, md5(r.doc)
    FROM (SELECT env.name AS environment, dbg.debug,
                 convert.render_config(pid, CASE env.name WHEN '' THEN NULL ELSE env.name END,
                                       dbg.debug)::text AS doc
          FROM convert.config_cache_environments(pid) AS env(name),
               (VALUES (false), (true)) AS dbg(debug)) AS r
    WHERE r.doc IS NOT NULL
    ON CONFLICT ON CONSTRAINT config_cache_pkey DO UPDATE
        SET config = EXCLUDED.config, etag = EXCLUDED.etag, rendered_at = now()
        WHERE c.etag <> EXCLUDED.etag;
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    IF changed > 0 OR NOT EXISTS (SELECT FROM convert.projects p WHERE p.id = pid) THEN
        PERFORM pg_notify('convert_config', pid::text);
        RETURN true;
    END IF;
    RETURN false;
END
$$;

CREATE FUNCTION convert.refresh_config_cache()
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
    SELECT count(*) FILTER (WHERE convert.refresh_config_cache(p.id)) FROM convert.projects p
$$;

CREATE FUNCTION convert.config_refresh_at_commit()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert
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
    FOR EACH ROW EXECUTE FUNCTION convert.config_refresh_at_commit();

-- Statement-level marking (transition tables): one insert per statement,
-- however many rows it touched.  TG_ARGV[0] names the project id column.
CREATE FUNCTION convert.config_mark_dirty()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
BEGIN
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

CREATE FUNCTION convert.config_mark_all_dirty()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
BEGIN
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
                        FOR EACH STATEMENT EXECUTE FUNCTION convert.config_mark_dirty(%L)', t, col);
        EXECUTE format('CREATE TRIGGER config_dirty_update AFTER UPDATE ON convert.%I
                        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION convert.config_mark_dirty(%L)', t, col);
        EXECUTE format('CREATE TRIGGER config_dirty_delete AFTER DELETE ON convert.%I
                        REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION convert.config_mark_dirty(%L)', t, col);
        EXECUTE format('CREATE TRIGGER config_dirty_truncate AFTER TRUNCATE ON convert.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION convert.config_mark_all_dirty()', t);
    END LOOP;
END
$$;

-- The document to serve: the cached rendering, unless this transaction has
-- changed the project (then, or when no rendering is cached, render now).
-- PL/pgSQL rather than SQL: its plans stay cached across calls, which is
-- most of the cost of a cached read.
CREATE FUNCTION convert.serve_config(project_id bigint, environment text, debug boolean)
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
            convert.render_config(serve_config.project_id, serve_config.environment,
                                  serve_config.debug)::json);
    END IF;
    RETURN convert.render_config(serve_config.project_id, serve_config.environment,
                                 serve_config.debug)::json;
END
$$;

REVOKE ALL ON FUNCTION convert.config_cache_environments(bigint),
              convert.refresh_config_cache(bigint), convert.refresh_config_cache(),
              convert.config_refresh_at_commit(), convert.config_mark_dirty(),
              convert.config_mark_all_dirty(),
              convert.serve_config(bigint, text, boolean) FROM PUBLIC;
-- Access to configs: SDK keys (with optional secrets), the account/project
-- route, debug tokens, and the Serving API's config functions.
--
-- Request errors carry SQLSTATE PTnnn, which the proxy and PostgREST turn
-- into HTTP status nnn.  Secrets and tokens never appear in messages.

-- sha256(salt || secret): only this is stored for an SDK key's secret.
CREATE FUNCTION convert.secret_hash(salt bytea, secret text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.sha256(salt || pg_catalog.convert_to(secret, 'UTF8')) $$;

-- The secret in an Authorization header: "Bearer <secret>" or the bare
-- secret; NULL for an absent or blank header.
CREATE FUNCTION convert.authorization_secret(authorization text)
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
CREATE FUNCTION convert.resolve_sdk_key(sdk_key text, authorization text DEFAULT NULL,
                                        environment text DEFAULT NULL,
                                        require_secret boolean DEFAULT true,
                                        OUT project_id bigint, OUT account_id bigint,
                                        OUT served_environment text)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
DECLARE
    k convert.sdk_keys;
    given text := convert.authorization_secret(resolve_sdk_key.authorization);
    requested text := nullif(resolve_sdk_key.environment, '');
BEGIN
    SELECT * INTO k FROM convert.sdk_keys sk WHERE sk.sdk_key = resolve_sdk_key.sdk_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown sdk key' USING ERRCODE = 'PT404',
            DETAIL = format('No project is served under the sdk key "%s".', left(resolve_sdk_key.sdk_key, 200));
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
          AND NOT convert.secret_equal(convert.secret_hash(k.secret_salt, given), k.secret_hash) THEN
        RAISE EXCEPTION 'wrong sdk key secret' USING ERRCODE = 'PT401',
            DETAIL = 'The secret sent in the Authorization header does not match the sdk key.';
    END IF;
    IF requested <> k.environment THEN
        RAISE EXCEPTION 'sdk key is not valid for environment "%"', requested USING ERRCODE = 'PT403',
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
CREATE FUNCTION convert.resolve_project(account_id bigint, project_id bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert
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
CREATE FUNCTION convert.debug_mode(project_id bigint, debug_token text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
DECLARE
    t convert.debug_tokens;
    token text := coalesce(nullif(btrim(debug_mode.debug_token), ''),
                           nullif(btrim(nullif(current_setting('request.headers', true), '')::json
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
SET search_path = pg_catalog, convert
AS $$
BEGIN
    PERFORM convert.resolve_project(project_config.account_id, project_config.project_id);
    RETURN convert.serve_config(project_config.project_id, nullif(project_config.environment, ''),
                                convert.debug_mode(project_config.project_id, project_config.debug_token));
END
$$;

-- A two-segment key that is not an SDK key is the account/project route.
CREATE FUNCTION convert.project_config_by_sdk_key(sdk_key text, environment text DEFAULT NULL,
                                                  authorization text DEFAULT NULL,
                                                  debug_token text DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert
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
    FROM convert.resolve_sdk_key(project_config_by_sdk_key.sdk_key, project_config_by_sdk_key.authorization,
                                 project_config_by_sdk_key.environment);
    RETURN convert.serve_config(r.project_id, r.served_environment,
                                convert.debug_mode(r.project_id, debug_token));
END
$$;

-- The Serving API's minimal project settings (ConfigMinimalResponseData).
CREATE FUNCTION convert.project_config_basic(account_id bigint, project_id bigint)
RETURNS json
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
    SELECT (pg_catalog.jsonb_build_object('account_id', p.account_id::text, 'project_id', p.id::text)
            || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                   'include_jquery', p.settings -> 'include_jquery',
                   'include_jquery_v1', p.settings -> 'include_jquery_v1',
                   'disable_spa_functionality', p.settings -> 'disable_spa_functionality',
                   'version', p.settings -> 'version'))
            || CASE WHEN p.tracking_script IS NULL THEN '{}'::jsonb
                    ELSE pg_catalog.jsonb_build_object('tracking_script', p.tracking_script) END)::json
    FROM convert.projects p
    WHERE p.id = (SELECT convert.resolve_project(project_config_basic.account_id,
                                                 project_config_basic.project_id))
$$;

CREATE FUNCTION convert.create_sdk_key(project_id bigint, secret text DEFAULT NULL,
                                       sdk_key text DEFAULT NULL, environment text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    key text := coalesce(sdk_key, encode(convert.random_bytes(16), 'hex'));
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
        salt := convert.random_bytes(16);
    END IF;
    INSERT INTO convert.sdk_keys (sdk_key, project_id, environment, secret_salt, secret_hash)
    VALUES (key, project_id, environment, salt, convert.secret_hash(salt, secret));
    RETURN key;
END
$$;

-- Replace (or, with NULL, remove) an SDK key's secret.
CREATE FUNCTION convert.set_sdk_key_secret(sdk_key text, secret text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    salt bytea := CASE WHEN secret IS NOT NULL THEN convert.random_bytes(16) END;
BEGIN
    IF secret = '' THEN
        RAISE EXCEPTION 'sdk key secret must not be empty' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL to remove the secret.';
    END IF;
    UPDATE convert.sdk_keys k
    SET secret_salt = salt, secret_hash = convert.secret_hash(salt, secret)
    WHERE k.sdk_key = set_sdk_key_secret.sdk_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown sdk key' USING ERRCODE = 'PT404';
    END IF;
END
$$;

CREATE FUNCTION convert.generate_debug_token(project_id bigint, ttl interval DEFAULT '24 hours')
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    token text := encode(convert.random_bytes(24), 'hex');
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
SET search_path = pg_catalog, convert
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
-- Typed reads of a config document's members for convert.import_project.
-- Each takes the JSON value (NULL when the member is absent) and its JSON
-- path, and refuses a wrong type with SQLSTATE PT400 naming the path.

CREATE FUNCTION convert.import_fail(path text, expected text, value jsonb)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
BEGIN
    RAISE EXCEPTION 'invalid config at %: expected %', path, expected
        USING ERRCODE = 'PT400',
              DETAIL = format('The value found was %s.',
                              coalesce(pg_catalog.left(value::text, 60), 'nothing'));
END
$$;

-- A Convert id: a string of digits (as served) or a whole JSON number.
CREATE FUNCTION convert.import_id(value jsonb, path text, required boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
DECLARE
    digits text := CASE pg_catalog.jsonb_typeof(value)
                       WHEN 'string' THEN value #>> '{}'
                       WHEN 'number' THEN value::text END;
BEGIN
    IF digits ~ '^0*[1-9][0-9]{0,17}$' THEN
        RETURN digits::bigint;
    ELSIF NOT required AND coalesce(pg_catalog.jsonb_typeof(value), 'null') = 'null' THEN
        RETURN NULL;
    END IF;
    PERFORM convert.import_fail(path, 'an id (a string of digits)', value);
    RETURN NULL;
END
$$;

-- The value if it has the JSON type asked for, NULL if absent or null;
-- anything else is refused, described as `described`.
CREATE FUNCTION convert.import_typed(value jsonb, path text, json_type text, described text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
DECLARE
    found constant text := coalesce(pg_catalog.jsonb_typeof(value), 'null');
BEGIN
    IF found = json_type THEN
        RETURN value;
    ELSIF found <> 'null' THEN
        PERFORM convert.import_fail(path, described, value);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION convert.import_text(value jsonb, path text)
RETURNS text
LANGUAGE sql IMMUTABLE
RETURN convert.import_typed(value, path, 'string', 'a string') #>> '{}';

-- A number, or a string holding one (JSON's number syntax).
CREATE FUNCTION convert.import_number(value jsonb, path text)
RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
DECLARE
    json_number constant text := '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$';
BEGIN
    CASE coalesce(pg_catalog.jsonb_typeof(value), 'null')
        WHEN 'null' THEN RETURN NULL;
        WHEN 'number' THEN RETURN value::text::numeric;
        WHEN 'string' THEN
            IF value #>> '{}' ~ json_number THEN
                RETURN (value #>> '{}')::numeric;
            END IF;
        ELSE NULL;
    END CASE;
    PERFORM convert.import_fail(path, 'a number', value);
    RETURN NULL;
END
$$;

CREATE FUNCTION convert.import_integer(value jsonb, path text)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
DECLARE
    n numeric := convert.import_number(value, path);
BEGIN
    IF n IS NULL OR (n = trunc(n) AND abs(n) < 2147483648) THEN
        RETURN n::integer;
    END IF;
    PERFORM convert.import_fail(path, 'an integer', value);
    RETURN NULL;
END
$$;

CREATE FUNCTION convert.import_boolean(value jsonb, path text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN convert.import_typed(value, path, 'boolean', 'true or false')::boolean;

CREATE FUNCTION convert.import_object(value jsonb, path text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN convert.import_typed(value, path, 'object', 'an object');

-- An array; absent or null reads as empty.
CREATE FUNCTION convert.import_array(value jsonb, path text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN coalesce(convert.import_typed(value, path, 'array', 'an array'), '[]'::jsonb);

CREATE FUNCTION convert.import_text_array(value jsonb, path text)
RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
    SELECT CASE WHEN coalesce(pg_catalog.jsonb_typeof(value), 'null') = 'null' THEN NULL
           ELSE (SELECT coalesce(pg_catalog.array_agg(
                                     convert.import_text(t.v, pg_catalog.format('%s[%s]', path, t.n - 1))
                                     ORDER BY t.n), '{}')
                 FROM pg_catalog.jsonb_array_elements(convert.import_array(value, path))
                      WITH ORDINALITY AS t(v, n))
           END
$$;

-- Rules are checked by convert.rules' own input; its complaint is passed on
-- with the path of the rules in the document.
CREATE FUNCTION convert.import_rules(value jsonb, path text)
RETURNS convert.rules
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
BEGIN
    IF coalesce(pg_catalog.jsonb_typeof(value), 'null') = 'null' THEN
        RETURN NULL;
    END IF;
    RETURN value::convert.rules;
EXCEPTION WHEN data_exception THEN
    DECLARE
        msg text;
        detail text;
    BEGIN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'invalid config at %: %', path, msg
            USING ERRCODE = 'PT400', DETAIL = detail;
    END;
END
$$;
-- convert.import_project(config json) → bigint: load a served config document
-- into the model tables, so that a project moves here in one call.  Entities
-- are upserted by id; the document is the project's whole state, so
-- entities it no longer lists are removed.  Members the model does not name
-- go to `extra` and are served unchanged.  README.md lists the normalisations.

-- project, its settings and environments; returns the project id.
CREATE FUNCTION convert.import_project_row(doc jsonb)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    account bigint := convert.import_id(doc -> 'account_id', 'account_id');
    proj jsonb := convert.import_object(doc -> 'project', 'project');
    pid bigint;
    settings jsonb;
    owner bigint;
BEGIN
    IF proj IS NULL THEN
        PERFORM convert.import_fail('project', 'an object', NULL);
    END IF;
    pid := convert.import_id(proj -> 'id', 'project.id');
    settings := coalesce(convert.import_object(proj -> 'settings', 'project.settings'), '{}');
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
            convert.import_text(proj -> 'name', 'project.name'),
            coalesce(convert.import_text(proj -> 'type', 'project.type'), 'fullstack'),
            convert.import_integer(proj -> 'utc_offset', 'project.utc_offset'),
            convert.import_text(proj -> 'global_javascript', 'project.global_javascript'),
            settings - ARRAY['integrations', 'outliers', 'tracking_script'],
            convert.import_object(settings -> 'integrations', 'project.settings.integrations'),
            convert.import_object(settings -> 'outliers', 'project.settings.outliers'),
            settings -> 'tracking_script',
            proj - ARRAY['id', 'name', 'type', 'utc_offset', 'global_javascript', 'settings', 'environments'])
    ON CONFLICT (id) DO UPDATE
        SET name = EXCLUDED.name, type = EXCLUDED.type, utc_offset = EXCLUDED.utc_offset,
            global_javascript = EXCLUDED.global_javascript, settings = EXCLUDED.settings,
            integrations = EXCLUDED.integrations, outliers = EXCLUDED.outliers,
            tracking_script = EXCLUDED.tracking_script, extra = EXCLUDED.extra;
    PERFORM convert.import_environments(pid, convert.import_object(proj -> 'environments',
                                                                   'project.environments'));
    RETURN pid;
END
$$;

-- environments: name → {label, is_default}, or the older name → label form.
CREATE FUNCTION convert.import_environments(pid bigint, envs jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
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
               WHEN 'object' THEN convert.import_text(e.value -> 'label',
                                                      format('project.environments.%s.label', e.key))
               ELSE convert.import_text(e.value, format('project.environments.%s', e.key)) END,
           coalesce(convert.import_boolean(e.value -> 'is_default',
                                           format('project.environments.%s.is_default', e.key)), false)
    FROM jsonb_each(coalesce(envs, '{}')) AS e
    ON CONFLICT (project_id, name) DO UPDATE
        SET label = EXCLUDED.label, is_default = EXCLUDED.is_default;
END
$$;

-- The elements of a top-level list, each checked to be an object, with its
-- position, JSON path, and the members every entity has: id, key, name.
CREATE FUNCTION convert.import_elements(doc jsonb, list text)
RETURNS TABLE (v jsonb, pos integer, path text, id bigint, key text, name text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
    SELECT o.v, o.pos, o.path,
           convert.import_id(o.v -> 'id', o.path || '.id'),
           convert.import_text(o.v -> 'key', o.path || '.key'),
           convert.import_text(o.v -> 'name', o.path || '.name')
    FROM (SELECT convert.import_object(t.v, format('%s[%s]', list, t.n - 1)) AS v,
                 t.n::integer - 1 AS pos, format('%s[%s]', list, t.n - 1) AS path
          FROM jsonb_array_elements(convert.import_array(doc -> list, list))
               WITH ORDINALITY AS t(v, n)) AS o
$$;

-- Refuse a document that lists one id twice in a list.
CREATE FUNCTION convert.import_unique_ids(doc jsonb, list text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    dup bigint;
BEGIN
    SELECT e.id INTO dup
    FROM convert.import_elements(doc, list) AS e
    GROUP BY 1 HAVING count(*) > 1 LIMIT 1;
    IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'invalid config at %: id % is listed twice', list, dup USING ERRCODE = 'PT400';
    END IF;
END
$$;

CREATE FUNCTION convert.import_goals(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    DELETE FROM convert.goals g
    WHERE g.project_id = pid
      AND g.id NOT IN (SELECT e.id FROM convert.import_elements(doc, 'goals') e);
    INSERT INTO convert.goals AS g (project_id, id, key, name, type, settings, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert.import_text(e.v -> 'type', e.path || '.type'),
           convert.import_object(e.v -> 'settings', e.path || '.settings'),
           convert.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'type', 'settings', 'rules']
    FROM convert.import_elements(doc, 'goals') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, settings = EXCLUDED.settings,
            rules = EXCLUDED.rules, position = EXCLUDED.position, extra = EXCLUDED.extra;
$$;

CREATE FUNCTION convert.import_locations(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    DELETE FROM convert.locations l
    WHERE l.project_id = pid
      AND l.id NOT IN (SELECT e.id FROM convert.import_elements(doc, 'locations') e);
    INSERT INTO convert.locations AS l (project_id, id, key, name, trigger_type, trigger_settings, rules,
                                        position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert.import_text(t.trigger -> 'type', e.path || '.trigger.type'),
           coalesce(t.trigger - 'type', '{}'),
           convert.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'trigger', 'rules']
    FROM convert.import_elements(doc, 'locations') e,
         LATERAL (SELECT convert.import_object(e.v -> 'trigger', e.path || '.trigger') AS trigger) t
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, trigger_type = EXCLUDED.trigger_type,
            trigger_settings = EXCLUDED.trigger_settings, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
$$;

CREATE FUNCTION convert.import_audiences(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    DELETE FROM convert.audiences a
    WHERE a.project_id = pid
      AND a.id NOT IN (SELECT e.id FROM convert.import_elements(doc, 'audiences') e);
    INSERT INTO convert.audiences AS a (project_id, id, key, name, type, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert.import_text(e.v -> 'type', e.path || '.type'),
           convert.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'type', 'rules']
    FROM convert.import_elements(doc, 'audiences') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
$$;

CREATE FUNCTION convert.import_segments(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    DELETE FROM convert.segments s
    WHERE s.project_id = pid
      AND s.id NOT IN (SELECT e.id FROM convert.import_elements(doc, 'segments') e);
    INSERT INTO convert.segments AS s (project_id, id, key, name, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'rules']
    FROM convert.import_elements(doc, 'segments') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
$$;

-- Features and their variables (variables are replaced wholesale).
CREATE FUNCTION convert.import_features(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    DELETE FROM convert.feature_variables fv WHERE fv.project_id = pid;
    DELETE FROM convert.features f
    WHERE f.project_id = pid
      AND f.id NOT IN (SELECT e.id FROM convert.import_elements(doc, 'features') e);
    INSERT INTO convert.features AS f (project_id, id, key, name, position, extra)
    SELECT pid, e.id, e.key, e.name,
           e.pos, e.v - ARRAY['id', 'key', 'name', 'variables']
    FROM convert.import_elements(doc, 'features') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, position = EXCLUDED.position, extra = EXCLUDED.extra;
    INSERT INTO convert.feature_variables (project_id, feature_id, key, type, position, extra)
    SELECT pid, e.id,
           convert.import_text(var.v -> 'key', format('%s.variables[%s].key', e.path, var.n - 1)),
           convert.import_text(var.v -> 'type', format('%s.variables[%s].type', e.path, var.n - 1)),
           var.n - 1, var.v - ARRAY['key', 'type']
    FROM convert.import_elements(doc, 'features') e,
         jsonb_array_elements(convert.import_array(e.v -> 'variables', e.path || '.variables'))
             WITH ORDINALITY AS var(v, n);
$$;

-- experience.settings without matching_options' two modelled members.
CREATE FUNCTION convert.import_experience_settings(settings jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
    SELECT CASE
        WHEN settings IS NULL OR NOT settings ? 'matching_options' THEN settings
        WHEN (settings -> 'matching_options') - ARRAY['audiences', 'locations'] = '{}'
            THEN settings - 'matching_options'
        ELSE jsonb_set(settings, '{matching_options}',
                       (settings -> 'matching_options') - ARRAY['audiences', 'locations'])
    END
$$;

CREATE FUNCTION convert.import_experiences(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    INSERT INTO convert.experiences AS x (project_id, id, key, name, type, status, version, environment,
                                          environments, site_area, matching_audiences, matching_locations,
                                          settings, integrations, global_js, global_css, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert.import_text(e.v -> 'type', e.path || '.type'),
           coalesce(convert.import_text(e.v -> 'status', e.path || '.status'), 'active'),
           convert.import_number(e.v -> 'version', e.path || '.version'),
           convert.import_text(e.v -> 'environment', e.path || '.environment'),
           convert.import_text_array(e.v -> 'environments', e.path || '.environments'),
           convert.import_rules(e.v -> 'site_area', e.path || '.site_area'),
           convert.import_text(s.settings #> '{matching_options,audiences}',
                               e.path || '.settings.matching_options.audiences'),
           convert.import_text(s.settings #> '{matching_options,locations}',
                               e.path || '.settings.matching_options.locations'),
           convert.import_experience_settings(s.settings),
           CASE WHEN jsonb_typeof(e.v -> 'integrations') = 'array' THEN e.v -> 'integrations'
                WHEN coalesce(jsonb_typeof(e.v -> 'integrations'), 'null') = 'null' THEN NULL
                ELSE convert.import_array(e.v -> 'integrations', e.path || '.integrations') END,
           convert.import_text(e.v -> 'global_js', e.path || '.global_js'),
           convert.import_text(e.v -> 'global_css', e.path || '.global_css'),
           e.pos,
           e.v - ARRAY['id', 'key', 'name', 'type', 'status', 'version', 'environment', 'environments',
                       'site_area', 'settings', 'integrations', 'global_js', 'global_css', 'locations',
                       'audiences', 'goals', 'variations']
    FROM convert.import_elements(doc, 'experiences') e,
         LATERAL (SELECT convert.import_object(e.v -> 'settings', e.path || '.settings') AS settings) s
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, status = EXCLUDED.status,
            version = EXCLUDED.version, environment = EXCLUDED.environment,
            environments = EXCLUDED.environments, site_area = EXCLUDED.site_area,
            matching_audiences = EXCLUDED.matching_audiences,
            matching_locations = EXCLUDED.matching_locations, settings = EXCLUDED.settings,
            integrations = EXCLUDED.integrations, global_js = EXCLUDED.global_js,
            global_css = EXCLUDED.global_css, position = EXCLUDED.position, extra = EXCLUDED.extra;
$$;

-- The id lists of an experience (locations, audiences, goals), one row each.
CREATE FUNCTION convert.import_experience_refs(doc jsonb, list text)
RETURNS TABLE (experience_id bigint, target_id bigint, pos integer, path text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
    SELECT e.id,
           convert.import_id(r.v, format('%s.%s[%s]', e.path, list, r.n - 1)),
           r.n::integer - 1, format('%s.%s[%s]', e.path, list, r.n - 1)
    FROM convert.import_elements(doc, 'experiences') e,
         jsonb_array_elements(convert.import_array(e.v -> list, e.path || '.' || list)) WITH ORDINALITY AS r(v, n)
$$;

-- Links from experiences to locations, audiences/segments and goals; every
-- id must name an entity of the project.
CREATE FUNCTION convert.import_experience_links(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    bad record;
BEGIN
    SELECT r.path, r.target_id, 'location' AS kind INTO bad
    FROM convert.import_experience_refs(doc, 'locations') r
    WHERE NOT EXISTS (SELECT FROM convert.locations l WHERE l.project_id = pid AND l.id = r.target_id)
    UNION ALL
    SELECT r.path, r.target_id, 'audience or segment'
    FROM convert.import_experience_refs(doc, 'audiences') r
    WHERE NOT EXISTS (SELECT FROM convert.audiences a WHERE a.project_id = pid AND a.id = r.target_id)
      AND NOT EXISTS (SELECT FROM convert.segments s WHERE s.project_id = pid AND s.id = r.target_id)
    UNION ALL
    SELECT r.path, r.target_id, 'goal'
    FROM convert.import_experience_refs(doc, 'goals') r
    WHERE NOT EXISTS (SELECT FROM convert.goals g WHERE g.project_id = pid AND g.id = r.target_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid config at %: no % with id % in the document', bad.path, bad.kind, bad.target_id
            USING ERRCODE = 'PT400';
    END IF;
    INSERT INTO convert.experience_locations (project_id, experience_id, location_id, position)
    SELECT pid, r.experience_id, r.target_id, min(r.pos)
    FROM convert.import_experience_refs(doc, 'locations') r GROUP BY 2, 3;
    INSERT INTO convert.experience_audiences (project_id, experience_id, position, audience_id, segment_id)
    SELECT pid, r.experience_id, min(r.pos),
           CASE WHEN a.id IS NOT NULL THEN r.target_id END,
           CASE WHEN a.id IS NULL THEN r.target_id END
    FROM convert.import_experience_refs(doc, 'audiences') r
    LEFT JOIN convert.audiences a ON a.project_id = pid AND a.id = r.target_id
    GROUP BY r.experience_id, r.target_id, a.id;
    INSERT INTO convert.experience_goals (project_id, experience_id, goal_id, position)
    SELECT pid, r.experience_id, r.target_id, min(r.pos)
    FROM convert.import_experience_refs(doc, 'goals') r GROUP BY 2, 3;
END
$$;

-- Variations are upserted by id (tracking may refer to them); variations
-- without an id never conflict and are inserted afresh.  Positions are
-- first moved out of the way; what keeps a negative one was not listed.
CREATE FUNCTION convert.import_variations(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    UPDATE convert.variations v SET position = -1 - v.position WHERE v.project_id = pid;
    INSERT INTO convert.variations AS v (project_id, experience_id, position, id, key, name, status,
                                         traffic_allocation, extra)
    SELECT pid, e.id, var.n - 1,
           convert.import_id(var.v -> 'id', p.path || '.id', false),
           convert.import_text(var.v -> 'key', p.path || '.key'),
           convert.import_text(var.v -> 'name', p.path || '.name'),
           convert.import_text(var.v -> 'status', p.path || '.status'),
           convert.import_number(var.v -> 'traffic_allocation', p.path || '.traffic_allocation'),
           convert.import_object(var.v, p.path)
               - ARRAY['id', 'key', 'name', 'status', 'traffic_allocation', 'changes']
    FROM convert.import_elements(doc, 'experiences') e,
         jsonb_array_elements(convert.import_array(e.v -> 'variations', e.path || '.variations'))
             WITH ORDINALITY AS var(v, n),
         LATERAL (SELECT format('%s.variations[%s]', e.path, var.n - 1) AS path) p
    ON CONFLICT (project_id, id) DO UPDATE
        SET experience_id = EXCLUDED.experience_id, position = EXCLUDED.position, key = EXCLUDED.key,
            name = EXCLUDED.name, status = EXCLUDED.status,
            traffic_allocation = EXCLUDED.traffic_allocation, extra = EXCLUDED.extra;
    DELETE FROM convert.variations v WHERE v.project_id = pid AND v.position < 0;
$$;

-- Every change of every variation, with its JSON path.
CREATE FUNCTION convert.import_change_rows(doc jsonb)
RETURNS TABLE (variation_id bigint, pos integer, id bigint, type text, data jsonb, extra jsonb,
               path text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert
AS $$
    SELECT convert.import_id(var.v -> 'id', vp.path || '.id'), c.n::integer - 1,
           convert.import_id(c.v -> 'id', cp.path || '.id', false),
           convert.import_text(c.v -> 'type', cp.path || '.type'),
           coalesce(convert.import_object(c.v -> 'data', cp.path || '.data'), '{}'),
           convert.import_object(c.v, cp.path) - ARRAY['id', 'type', 'data'],
           cp.path
    FROM convert.import_elements(doc, 'experiences') e,
         jsonb_array_elements(convert.import_array(e.v -> 'variations', e.path || '.variations'))
             WITH ORDINALITY AS var(v, n),
         LATERAL (SELECT format('%s.variations[%s]', e.path, var.n - 1) AS path) vp,
         jsonb_array_elements(convert.import_array(var.v -> 'changes', vp.path || '.changes'))
             WITH ORDINALITY AS c(v, n),
         LATERAL (SELECT format('%s.changes[%s]', vp.path, c.n - 1) AS path) cp
$$;

-- Changes are replaced wholesale; a feature change must name a feature.
CREATE FUNCTION convert.import_changes(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    bad record;
BEGIN
    SELECT r.path, r.data -> 'feature_id' AS feature INTO bad
    FROM convert.import_change_rows(doc) r
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
    FROM convert.import_change_rows(doc) r;
END
$$;

CREATE FUNCTION convert.import_archived(pid bigint, doc jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, convert
AS $$
    DELETE FROM convert.archived_experiences a
    WHERE a.project_id = pid
      AND a.experience_id NOT IN (
          SELECT convert.import_id(t.v, 'archived_experiences')
          FROM jsonb_array_elements(convert.import_array(doc -> 'archived_experiences',
                                                         'archived_experiences')) AS t(v));
    INSERT INTO convert.archived_experiences AS a (project_id, experience_id, position)
    SELECT pid, convert.import_id(t.v, format('archived_experiences[%s]', t.n - 1)), min(t.n) - 1
    FROM jsonb_array_elements(convert.import_array(doc -> 'archived_experiences', 'archived_experiences'))
         WITH ORDINALITY AS t(v, n)
    GROUP BY 2
    ON CONFLICT (project_id, experience_id) DO UPDATE SET position = EXCLUDED.position;
$$;

CREATE FUNCTION convert.import_project(config json)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, convert
AS $$
DECLARE
    doc jsonb := config::jsonb;
    pid bigint;
    section text := 'project';
    msg text;
    detail text;
BEGIN
    IF jsonb_typeof(doc) <> 'object' THEN
        PERFORM convert.import_fail('the top level', 'an object', doc);
    END IF;
    -- An SDK options document (like the SDK's test fixtures) holds the config in `data`.
    IF NOT doc ? 'account_id' AND jsonb_typeof(doc -> 'data') = 'object' THEN
        doc := doc -> 'data';
    END IF;
    IF doc ? 'error' THEN
        RAISE EXCEPTION 'invalid config: the document is an error response' USING ERRCODE = 'PT400',
            DETAIL = format('Its error member is %s.', left((doc -> 'error')::text, 200));
    END IF;
    PERFORM convert.import_unique_ids(doc, l)
    FROM unnest(ARRAY['goals', 'locations', 'audiences', 'segments', 'features', 'experiences']) AS l;
    BEGIN
        pid := convert.import_project_row(doc);
        -- Drop what refers to entities before the entities themselves.
        DELETE FROM convert.variation_changes c WHERE c.project_id = pid;
        DELETE FROM convert.experience_locations x WHERE x.project_id = pid;
        DELETE FROM convert.experience_audiences x WHERE x.project_id = pid;
        DELETE FROM convert.experience_goals x WHERE x.project_id = pid;
        DELETE FROM convert.experiences x
        WHERE x.project_id = pid
          AND x.id NOT IN (SELECT e.id
                           FROM convert.import_elements(doc, 'experiences') e);
        section := 'goals';      PERFORM convert.import_goals(pid, doc);
        section := 'locations';  PERFORM convert.import_locations(pid, doc);
        section := 'audiences';  PERFORM convert.import_audiences(pid, doc);
        section := 'segments';   PERFORM convert.import_segments(pid, doc);
        section := 'features';   PERFORM convert.import_features(pid, doc);
        section := 'experiences';
        PERFORM convert.import_experiences(pid, doc);
        PERFORM convert.import_experience_links(pid, doc);
        PERFORM convert.import_variations(pid, doc);
        PERFORM convert.import_changes(pid, doc);
        section := 'archived_experiences';
        PERFORM convert.import_archived(pid, doc);
    EXCEPTION WHEN integrity_constraint_violation THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'invalid config at %: %', section, msg USING ERRCODE = 'PT400', DETAIL = detail;
    END;
    RETURN pid;
END
$$;

REVOKE ALL ON FUNCTION convert.import_project(json) FROM PUBLIC;
-- The convert_api role: what convert-proxy (or any front end calling the
-- contract functions) logs in as, directly or through SET ROLE; PostgREST
-- uses convert_authenticator and convert_web_anon instead (70_rest_*.sql).
-- It may EXECUTE the Serving API
-- functions and nothing else: no table is granted, so secrets and token
-- hashes stay unreadable; the functions reach the tables as SECURITY DEFINER.
-- Roles are cluster-wide, so a second database may find it already there.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convert_api') THEN
        CREATE ROLE convert_api NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA convert TO convert_api;

-- SECURITY DEFINER functions are closed to PUBLIC and opened to the API role.
REVOKE ALL ON FUNCTION convert.project_config(bigint, bigint, text, text),
              convert.project_config_by_sdk_key(text, text, text, text),
              convert.project_config_basic(bigint, bigint),
              convert.resolve_sdk_key(text, text, text, boolean),
              convert.resolve_project(bigint, bigint),
              convert.debug_mode(bigint, text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION convert.project_config(bigint, bigint, text, text),
                          convert.project_config_by_sdk_key(text, text, text, text),
                          convert.project_config_basic(bigint, bigint) TO convert_api;

-- Administration writes the model and is for the tables' owners.
REVOKE ALL ON FUNCTION convert.create_sdk_key(bigint, text, text, text),
              convert.set_sdk_key_secret(text, text),
              convert.generate_debug_token(bigint, interval),
              convert.renew_debug_token(text, interval) FROM PUBLIC;

-- Internal helpers are for the functions above, not for callers.
REVOKE ALL ON FUNCTION convert.jsonb_without_nulls(jsonb), convert.rules_jsonb(convert.rules),
              convert.experience_in_environment(text, text, text[]),
              convert.experience_settings_document(jsonb, text, text),
              convert.secret_hash(bytea, text), convert.authorization_secret(text),
              convert.import_fail(text, text, jsonb), convert.import_id(jsonb, text, boolean),
              convert.import_text(jsonb, text), convert.import_number(jsonb, text),
              convert.import_integer(jsonb, text), convert.import_boolean(jsonb, text),
              convert.import_object(jsonb, text), convert.import_array(jsonb, text),
              convert.import_text_array(jsonb, text), convert.import_rules(jsonb, text),
              convert.import_project_row(jsonb), convert.import_environments(bigint, jsonb),
              convert.import_elements(jsonb, text), convert.import_unique_ids(jsonb, text),
              convert.import_goals(bigint, jsonb), convert.import_locations(bigint, jsonb),
              convert.import_audiences(bigint, jsonb), convert.import_segments(bigint, jsonb),
              convert.import_features(bigint, jsonb), convert.import_experience_settings(jsonb),
              convert.import_experiences(bigint, jsonb), convert.import_experience_refs(jsonb, text),
              convert.import_experience_links(bigint, jsonb), convert.import_variations(bigint, jsonb),
              convert.import_change_rows(jsonb), convert.import_changes(bigint, jsonb),
              convert.import_archived(bigint, jsonb) FROM PUBLIC;
-- convert.config: a whole project config (the JSON the config endpoint
-- serves), validated and compiled once on input into the form decisions
-- read; it prints back as the JSON it was given.

CREATE TYPE convert.config;

CREATE FUNCTION convert.config_in(cstring)
RETURNS convert.config
AS 'MODULE_PATHNAME', 'convert_config_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.config_out(convert.config)
RETURNS cstring
AS 'MODULE_PATHNAME', 'convert_config_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.config_recv(internal)
RETURNS convert.config
AS 'MODULE_PATHNAME', 'convert_config_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.config_send(convert.config)
RETURNS bytea
AS 'MODULE_PATHNAME', 'convert_config_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE convert.config (
    INPUT = convert.config_in,
    OUTPUT = convert.config_out,
    RECEIVE = convert.config_recv,
    SEND = convert.config_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE convert.config IS
'Convert project config (the served config JSON), validated and compiled for decisions on input; prints as the JSON given';

-- json/jsonb -> config go through the text form (validated like any input);
-- config -> json/jsonb give the config JSON back.
CREATE CAST (json AS convert.config) WITH INOUT AS ASSIGNMENT;
CREATE CAST (jsonb AS convert.config) WITH INOUT AS ASSIGNMENT;
CREATE CAST (convert.config AS json) WITH INOUT AS ASSIGNMENT;
CREATE CAST (convert.config AS jsonb) WITH INOUT AS ASSIGNMENT;
-- Decisions over a compiled config, answering exactly as the official SDK's
-- runExperience / runExperiences / runFeature / runFeatures.  NULL
-- location_properties and environment mean what the SDK does when they are
-- not passed; `attributes` carries the SDK's per-call options and the
-- visitor's stored state (README.md, "Decisions").  IMMUTABLE: the answer
-- depends on the arguments only; PARALLEL SAFE for warehouse backfills.

CREATE FUNCTION convert.run_experience(config convert.config, visitor_id text,
                                       experience_key text,
                                       visitor_properties jsonb DEFAULT NULL,
                                       location_properties jsonb DEFAULT NULL,
                                       environment text DEFAULT NULL,
                                       attributes jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'convert_run_experience'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION convert.run_experience(convert.config, text, text, jsonb, jsonb, text, jsonb) IS
'The SDK''s runExperience: a BucketedVariation object, the string "convert.com_variation_not_decided", or NULL';

CREATE FUNCTION convert.run_experiences(config convert.config, visitor_id text,
                                        visitor_properties jsonb DEFAULT NULL,
                                        location_properties jsonb DEFAULT NULL,
                                        environment text DEFAULT NULL,
                                        attributes jsonb DEFAULT NULL)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'convert_run_experiences'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 5;

COMMENT ON FUNCTION convert.run_experiences(convert.config, text, jsonb, jsonb, text, jsonb) IS
'The SDK''s runExperiences: one BucketedVariation per experience the visitor is bucketed into, in config order';

CREATE FUNCTION convert.run_feature(config convert.config, visitor_id text,
                                    feature_key text,
                                    visitor_properties jsonb DEFAULT NULL,
                                    location_properties jsonb DEFAULT NULL,
                                    environment text DEFAULT NULL,
                                    attributes jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'convert_run_feature'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION convert.run_feature(convert.config, text, text, jsonb, jsonb, text, jsonb) IS
'The SDK''s runFeature: a BucketedFeature, an array of them when several experiences enable it, or the disabled feature';

CREATE FUNCTION convert.run_features(config convert.config, visitor_id text,
                                     visitor_properties jsonb DEFAULT NULL,
                                     location_properties jsonb DEFAULT NULL,
                                     environment text DEFAULT NULL,
                                     attributes jsonb DEFAULT NULL)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'convert_run_features'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 5;

COMMENT ON FUNCTION convert.run_features(convert.config, text, jsonb, jsonb, text, jsonb) IS
'The SDK''s runFeatures: enabled features of the visitor''s variations, then every other declared feature as disabled';
-- Tracking storage: what convert.track() writes (shared/spec/tracking.md §3).
--
-- Tracking rows are history, not configuration: none of these tables has a
-- foreign key to the project model, so re-importing or deleting a project's
-- config never deletes or blocks its tracked events.

-- One row per stored event.  Columns hold what analysis filters and groups
-- on; the rest of the event is kept as jsonb.  Partitioned by day (UTC) on
-- received_at; convert.ensure_event_partitions() creates the partitions.
CREATE TABLE convert.events (
    received_at    timestamptz NOT NULL,
    project_id     bigint NOT NULL,
    visitor_id     text NOT NULL,
    event_type     text NOT NULL
                   CONSTRAINT events_event_type_valid CHECK (event_type IN ('bucketing', 'conversion')),
    -- bucketing events: the decision
    experience_id  bigint,
    variation_id   bigint,
    -- conversion events: the goal, and the transaction fields of goalData
    goal_id        bigint,
    amount         numeric,
    products_count numeric,
    transaction_id text,
    goal_data      jsonb,            -- goalData exactly as sent (array of {key, value})
    bucketing      jsonb,            -- conversions: {experienceId: variationId} they are attributed to
    segments       jsonb,            -- the visitor's segments (enriched when enrichData is true)
    source         text,             -- the payload's source, e.g. "js4.4.3"
    CONSTRAINT events_shape CHECK (CASE event_type
        WHEN 'bucketing' THEN experience_id IS NOT NULL AND variation_id IS NOT NULL AND goal_id IS NULL
        ELSE goal_id IS NOT NULL AND experience_id IS NULL AND variation_id IS NULL END)
) PARTITION BY RANGE (received_at);

-- The partitions' indexes (project_id, visitor_id), (project_id,
-- experience_id, variation_id) of bucketing events and (project_id,
-- goal_id) of conversions are created with each partition by
-- convert.create_event_partition, not declared on this parent: the parent
-- belongs to the extension, so partitioned indexes here would make
-- pg_restore create each partition's indexes twice.

COMMENT ON TABLE convert.events IS
'Tracked events, one row per stored event, partitioned by day (UTC) of received_at';

-- Each visitor's first assignment per experience; the backend's "stored
-- bucketing" that enrichData fills conversions from.  segments are the
-- visitor's segments sent with that first bucketing event.
CREATE TABLE convert.visitor_bucketing (
    project_id    bigint NOT NULL,
    visitor_id    text NOT NULL,
    experience_id bigint NOT NULL,
    variation_id  bigint NOT NULL,
    bucketed_at   timestamptz NOT NULL,
    segments      jsonb,
    PRIMARY KEY (project_id, visitor_id, experience_id)
);
CREATE INDEX visitor_bucketing_experience
    ON convert.visitor_bucketing (project_id, experience_id, variation_id);

COMMENT ON TABLE convert.visitor_bucketing IS
'First variation each visitor was bucketed into, per experience';

-- Goals each visitor has converted on (the server-side twin of the SDK's
-- visitor store `goals`): a second plain conversion is a duplicate.
CREATE TABLE convert.visitor_goals (
    project_id   bigint NOT NULL,
    visitor_id   text NOT NULL,
    goal_id      bigint NOT NULL,
    converted_at timestamptz NOT NULL,
    PRIMARY KEY (project_id, visitor_id, goal_id)
);

-- Transactions (goalData transactionId) already counted per goal, so that a
-- re-sent transaction does not count its revenue twice.
CREATE TABLE convert.goal_transactions (
    project_id     bigint NOT NULL,
    goal_id        bigint NOT NULL,
    transaction_id text NOT NULL,
    visitor_id     text NOT NULL,
    received_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, goal_id, transaction_id)
);

-- Digests of recently stored batches: the SDK re-sends a whole batch when it
-- did not see our answer, so an identical batch within the retry window is
-- acknowledged without storing it again.  Pruned by ensure_event_partitions().
CREATE TABLE convert.track_batches (
    project_id  bigint NOT NULL,
    digest      bytea NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (project_id, digest)
);
CREATE INDEX track_batches_received ON convert.track_batches (received_at);

-- pg_dump keeps tracked data.  Partitions of convert.events are created at
-- run time, are not members of the extension, and are dumped as ordinary
-- tables attached to convert.events.
SELECT pg_catalog.pg_extension_config_dump('convert.events', '');
SELECT pg_catalog.pg_extension_config_dump('convert.visitor_bucketing', '');
SELECT pg_catalog.pg_extension_config_dump('convert.visitor_goals', '');
SELECT pg_catalog.pg_extension_config_dump('convert.goal_transactions', '');
SELECT pg_catalog.pg_extension_config_dump('convert.track_batches', '');
-- Daily partitions of convert.events, created ahead of need.
--
-- track() makes sure of the partition for the day it stores into and tries
-- the next one, so a partition normally exists a day before its first row
-- and the (briefly exclusive) creation does not happen under insert
-- traffic at midnight.  A cron job should call ensure_event_partitions
-- hourly, or with a longer horizon:
--   SELECT convert.ensure_event_partitions(now(), now() + interval '30 days');

-- The partition of convert.events that holds rows received on `day` (UTC).
CREATE FUNCTION convert.event_partition_name(day date)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN 'events_' || pg_catalog.to_char(day, 'YYYYMMDD');

-- The partition for `day` with the indexes analysis filters on.
CREATE FUNCTION convert.create_event_partition(day date)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, convert
AS $$
DECLARE
    part text := convert.event_partition_name(day);
BEGIN
    EXECUTE format('CREATE TABLE convert.%I PARTITION OF convert.events FOR VALUES FROM (%L) TO (%L)',
                   part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, visitor_id)',
                   part || '_visitor', part);
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, experience_id, variation_id)'
                   ' WHERE event_type = %L', part || '_experience', part, 'bucketing');
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, goal_id) WHERE event_type = %L',
                   part || '_goal', part, 'conversion');
END
$$;

-- Create the missing daily partitions for the UTC days first_day..last_day;
-- returns how many were created.  track() calls this on every batch, so the
-- common case is one catalog lookup.
CREATE FUNCTION convert.ensure_event_partition_days(first_day date, last_day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
DECLARE
    day     date := first_day;
    created integer := 0;
BEGIN
    IF last_day - first_day > 3660 THEN
        RAISE EXCEPTION 'partition range too long: % days', last_day - first_day + 1
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create at most ten years of partitions per call.';
    END IF;
    WHILE day <= last_day LOOP
        IF to_regclass('convert.' || convert.event_partition_name(day)) IS NULL THEN
            -- Serialise creators; the loser of a race sees the winner's table.
            PERFORM pg_advisory_xact_lock(hashtext('convert.ensure_event_partition_days'));
            IF to_regclass('convert.' || convert.event_partition_name(day)) IS NULL THEN
                -- The catalog snapshot may predate the winner's commit, so
                -- the check above can miss its table: the creation decides.
                BEGIN
                    PERFORM convert.create_event_partition(day);
                    created := created + 1;
                EXCEPTION WHEN duplicate_table THEN
                    NULL;
                END;
            END IF;
        END IF;
        day := day + 1;
    END LOOP;
    RETURN created;
END
$$;

-- Create the partition for `day` unless that has to wait for a lock.
-- Creating a partition locks convert.events exclusively, so behind a long
-- query on the table it would queue every later track() call; track()
-- creates tomorrow's partition this way and leaves it to the next batch
-- (or to cron) when the table is busy.  Returns whether the partition exists.
CREATE FUNCTION convert.try_event_partition_day(day date)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert
SET lock_timeout = '100ms'
AS $$
BEGIN
    PERFORM convert.ensure_event_partition_days(day, day);
    RETURN true;
EXCEPTION WHEN lock_not_available THEN
    RETURN false;
END
$$;

-- The maintenance entry point (cron): partitions for the days between the
-- two times, and forgetting batch digests older than the retry window.
CREATE FUNCTION convert.ensure_event_partitions(from_time timestamptz DEFAULT pg_catalog.now(),
                                                to_time timestamptz DEFAULT pg_catalog.now() + interval '7 days')
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
BEGIN
    DELETE FROM convert.track_batches
    WHERE received_at < now() - convert.track_retry_window();
    RETURN convert.ensure_event_partition_days((from_time AT TIME ZONE 'UTC')::date,
                                               (to_time AT TIME ZONE 'UTC')::date);
END
$$;

COMMENT ON FUNCTION convert.ensure_event_partitions(timestamptz, timestamptz) IS
'Creates the missing daily partitions of convert.events between the two times (UTC days) and prunes old batch digests; returns how many partitions were created';

REVOKE ALL ON FUNCTION convert.create_event_partition(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION convert.ensure_event_partition_days(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION convert.try_event_partition_day(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION convert.ensure_event_partitions(timestamptz, timestamptz) FROM PUBLIC;
-- Limits of convert.track(), documented in README.md (## Tracking).  A batch
-- over a limit is refused with SQLSTATE PT413 and nothing of it is stored.
-- The SDK sends 10 events per batch by default, but it re-sends failed
-- batches with new events appended, so after an outage batches grow; the
-- limits leave room for hours of queued events.

CREATE FUNCTION convert.track_max_events()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000;

CREATE FUNCTION convert.track_max_visitors()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000;

-- Bytes of the payload's JSON text.
CREATE FUNCTION convert.track_max_payload_bytes()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 8388608;

-- An identical batch received again within this window is a retry.
CREATE FUNCTION convert.track_retry_window()
RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN interval '1 hour';

COMMENT ON FUNCTION convert.track_max_events() IS 'Most events one track() batch may hold';
COMMENT ON FUNCTION convert.track_max_visitors() IS 'Most visitors one track() batch may hold';
COMMENT ON FUNCTION convert.track_max_payload_bytes() IS 'Largest track() payload, in bytes of JSON text';
COMMENT ON FUNCTION convert.track_retry_window() IS 'How long an identical track() batch counts as a retry';
-- Validation of a tracking payload (shared/spec/tracking.md §3.2, §3.5).
--
-- The top level (accountId, projectId, enrichData, source, visitors) is
-- checked in PL/pgSQL by convert.track_check_envelope (55_tracking_api.sql);
-- the visitors and their events by convert.track_parse, in C, which
-- validates and flattens in one pass (thousands of events in milliseconds).
-- Either raises the first problem with its JSON path, before anything of
-- the batch is kept.

-- "is missing" / "must be a string, got number" / NULL when value has the
-- expected JSON type.
CREATE FUNCTION convert.json_type_problem(value jsonb, expected text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE
    WHEN value IS NULL THEN 'is missing'
    WHEN pg_catalog.jsonb_typeof(value) = expected THEN NULL
    ELSE pg_catalog.format('must be %s %s, got %s',
                           CASE WHEN expected IN ('object', 'array') THEN 'an' ELSE 'a' END,
                           expected, pg_catalog.jsonb_typeof(value))
END;

-- Text quoted as a JSON string, for messages: "10035569".
CREATE FUNCTION convert.json_quote(value text)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_json(value)::text;

-- One row per event of a visitors array, in payload order (vi, ei: the
-- visitor's and the event's index), after checking every visitor and event
-- against the project: PT400 naming the JSON path of the first problem,
-- PT413 when the batch has more visitors or events than the limits.
--   batch_bucketing: for a conversion, the bucketing decisions that came
--   before it in the same visitor entry, as {experienceId: variationId}.
--   amount, products_count, transaction_id: the first non-null value given
--   for that key in goalData.
--   repeated: an earlier event of the batch has the same duplicate key
--   (bucketing: visitor, experience, variation; plain conversion: visitor,
--   goal; conversion with a transactionId: goal, transactionId).
CREATE FUNCTION convert.track_parse(project_id bigint, visitors jsonb,
                                    max_visitors integer, max_events integer,
                                    OUT vi integer, OUT ei integer, OUT visitor_id text,
                                    OUT segments jsonb, OUT event_type text,
                                    OUT experience_id bigint, OUT variation_id bigint,
                                    OUT goal_id bigint, OUT goal_data jsonb,
                                    OUT bucketing_data jsonb, OUT batch_bucketing jsonb,
                                    OUT amount numeric, OUT products_count numeric,
                                    OUT transaction_id text, OUT repeated boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'convert_track_parse'
LANGUAGE C STABLE STRICT;

REVOKE ALL ON FUNCTION convert.track_parse(bigint, jsonb, integer, integer) FROM PUBLIC;
-- Storing a tracking batch: checked, duplicates dropped, enrichData applied,
-- every table written by one set-based statement (no per-event work in
-- PL/pgSQL).  Policies are documented in README.md (## Tracking).

-- Store the visitors of a batch of project target_project (their checks
-- are part of the same statement: convert.track_parse raises on the first
-- problem, and then nothing is stored).  Returns the number of events
-- stored and of events in the batch; the difference were duplicates.
--
-- Duplicates (whatever enrichData says, since a client that keeps its own
-- visitor store only repeats events when it re-sends a batch):
--   bucketing   the visitor's stored assignment for the experience already
--               is this variation, or the same decision came earlier in the batch
--   conversion without goalData: the visitor already converted on the goal
--   conversion with a transactionId: the goal already has that transaction
--   other conversions with goalData are kept (forceMultipleTransactions).
-- enrichData: a conversion's bucketing is the visitor's stored bucketing,
-- overlaid by the decisions before it in its visitor entry, then by its
-- own bucketingData (later wins per experience); segments are the stored
-- ones overlaid by the sent ones.
CREATE FUNCTION convert.track_store_events(target_project bigint, visitors jsonb,
                                           enrich boolean, batch_source text,
                                           OUT stored integer, OUT total integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert
-- one plan for every batch: planning this statement costs as much as
-- running it for an SDK-sized batch, and no argument changes the best plan
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    received timestamptz := now();
BEGIN
    WITH ev AS MATERIALIZED (
        -- kind: b bucketing, g plain conversion, t transaction, r other revenue
        SELECT r.*,
               CASE WHEN r.event_type = 'bucketing' THEN 'b'
                    WHEN r.goal_data IS NULL THEN 'g'
                    WHEN r.transaction_id IS NOT NULL THEN 't'
                    ELSE 'r' END AS kind
        FROM convert.track_parse(target_project, visitors,
                                 convert.track_max_visitors(), convert.track_max_events()) AS r
    ), stored_state AS (
        -- each visitor's stored assignments (before this batch) and latest
        -- segments, read per visitor by primary key (LATERAL): the visitors
        -- of a batch are few next to the table
        SELECT v.visitor_id, st.bucketing, st.segments
        FROM (SELECT DISTINCT ev.visitor_id FROM ev) AS v,
             LATERAL (SELECT jsonb_object_agg(vb.experience_id::text, vb.variation_id::text) AS bucketing,
                             (array_agg(vb.segments ORDER BY vb.bucketed_at DESC)
                                  FILTER (WHERE vb.segments IS NOT NULL))[1] AS segments
                      FROM convert.visitor_bucketing AS vb
                      WHERE vb.project_id = target_project AND vb.visitor_id = v.visitor_id) AS st
    ), new_assignment AS (
        INSERT INTO convert.visitor_bucketing AS vb
            (project_id, visitor_id, experience_id, variation_id, bucketed_at, segments)
        -- the first decision per experience wins: ev is in payload order, and
        -- a later row of this statement conflicts with the earlier one
        SELECT target_project, ev.visitor_id, ev.experience_id, ev.variation_id, received, ev.segments
        FROM ev
        WHERE ev.kind = 'b' AND NOT ev.repeated
        ON CONFLICT (project_id, visitor_id, experience_id) DO NOTHING
    ), new_goal AS (
        INSERT INTO convert.visitor_goals AS vg (project_id, visitor_id, goal_id, converted_at)
        SELECT target_project, ev.visitor_id, ev.goal_id, received
        FROM ev
        WHERE ev.kind = 'g' AND NOT ev.repeated
        ON CONFLICT (project_id, visitor_id, goal_id) DO NOTHING
        RETURNING vg.visitor_id, vg.goal_id
    ), new_transaction AS (
        INSERT INTO convert.goal_transactions AS gt
            (project_id, goal_id, transaction_id, visitor_id, received_at)
        SELECT target_project, ev.goal_id, ev.transaction_id, ev.visitor_id, received
        FROM ev
        WHERE ev.kind = 't' AND NOT ev.repeated
        ON CONFLICT (project_id, goal_id, transaction_id) DO NOTHING
        RETURNING gt.goal_id, gt.transaction_id
    ), stored_event AS (
        INSERT INTO convert.events
            (received_at, project_id, visitor_id, event_type, experience_id, variation_id, goal_id,
             amount, products_count, transaction_id, goal_data, bucketing, segments, source)
        SELECT received, target_project, ev.visitor_id, ev.event_type, ev.experience_id, ev.variation_id,
               ev.goal_id, ev.amount, ev.products_count, ev.transaction_id, ev.goal_data,
               CASE WHEN ev.event_type <> 'conversion' THEN NULL
                    WHEN enrich THEN nullif(coalesce(s.bucketing, '{}') || coalesce(ev.batch_bucketing, '{}')
                                            || coalesce(ev.bucketing_data, '{}'), '{}')
                    ELSE ev.bucketing_data END,
               CASE WHEN enrich THEN nullif(coalesce(s.segments, '{}') || coalesce(ev.segments, '{}'), '{}')
                    ELSE ev.segments END,
               batch_source
        FROM ev
        LEFT JOIN stored_state AS s ON s.visitor_id = ev.visitor_id
        WHERE NOT ev.repeated
          AND CASE ev.kind
              WHEN 'b' THEN s.bucketing ->> ev.experience_id::text IS DISTINCT FROM ev.variation_id::text
              WHEN 'g' THEN (ev.visitor_id, ev.goal_id) IN (SELECT visitor_id, goal_id FROM new_goal)
              WHEN 't' THEN (ev.goal_id, ev.transaction_id) IN (SELECT goal_id, transaction_id FROM new_transaction)
              ELSE true
              END
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM stored_event), (SELECT count(*) FROM ev) INTO stored, total;
END
$$;
-- The Serving API's track endpoints (shared/spec/tracking.md §3):
--   POST /v1/track/{sdk_key}                  convert.track(sdk_key, payload, authorization)
--   POST /v1/track/{account_id}/{project_id}  convert.track(account_id, project_id, payload)
-- Both answer {"code": 200, "message": ...} for a stored (or duplicate)
-- batch; request errors raise PT400/401/403/404/413 and store nothing.

-- Refuse the batch: the message names the JSON path and the problem.
CREATE FUNCTION convert.track_reject(message text, sqlstate text DEFAULT 'PT400', hint text DEFAULT NULL)
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
-- checked by convert.track_parse while they are stored.
CREATE FUNCTION convert.track_check_envelope(account_id bigint, project_id bigint, payload jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert
AS $$
DECLARE
    problem text;
BEGIN
    IF payload IS NULL OR jsonb_typeof(payload) <> 'object' THEN
        PERFORM convert.track_reject('payload: ' || convert.json_type_problem(payload, 'object'));
    END IF;
    IF payload ? 'enrichData' THEN
        problem := convert.json_type_problem(payload -> 'enrichData', 'boolean');
        IF problem IS NOT NULL THEN PERFORM convert.track_reject('enrichData: ' || problem); END IF;
    END IF;
    problem := convert.json_type_problem(payload -> 'accountId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('accountId: ' || problem); END IF;
    IF payload ->> 'accountId' <> account_id::text THEN
        PERFORM convert.track_reject(format('accountId: %s is not the account %s of this project',
                                            convert.json_quote(payload ->> 'accountId'), account_id));
    END IF;
    problem := convert.json_type_problem(payload -> 'projectId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('projectId: ' || problem); END IF;
    IF payload ->> 'projectId' <> project_id::text THEN
        PERFORM convert.track_reject(format('projectId: %s is not the project %s',
                                            convert.json_quote(payload ->> 'projectId'), project_id));
    END IF;
    problem := convert.json_type_problem(payload -> 'visitors', 'array');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('visitors: ' || problem); END IF;
    IF payload ? 'source' THEN
        problem := convert.json_type_problem(payload -> 'source', 'string');
        IF problem IS NOT NULL THEN PERFORM convert.track_reject('source: ' || problem); END IF;
    END IF;
END
$$;

-- Events in a (checked) payload.
CREATE FUNCTION convert.track_event_count(payload jsonb)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT coalesce(sum(pg_catalog.jsonb_array_length(v -> 'events')), 0)
        FROM pg_catalog.jsonb_array_elements(payload -> 'visitors') AS v);

-- Validate and store one batch for an already authorised project.  JIT is
-- off: compiling the batch's queries costs far more than running them.
CREATE FUNCTION convert.track_batch(account_id bigint, project_id bigint, payload json)
RETURNS json
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert
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
        PERFORM convert.track_reject(format('payload: %s bytes exceed the limit of %s bytes',
                                            body_bytes, convert.track_max_payload_bytes()),
                                     'PT413', 'Send the events in smaller batches.');
    END IF;
    BEGIN
        doc := payload::jsonb;
    EXCEPTION WHEN untranslatable_character THEN
        -- valid JSON that jsonb cannot hold: "\u0000" in a string
        PERFORM convert.track_reject('payload: ' || SQLERRM);
    END;
    PERFORM convert.track_check_envelope(account_id, project_id, doc);

    -- An identical batch within the retry window was already stored.
    INSERT INTO convert.track_batches AS b (project_id, digest, received_at)
    VALUES (project_id, sha256(convert_to(payload::text, 'UTF8')), now())
    ON CONFLICT ON CONSTRAINT track_batches_pkey DO UPDATE SET received_at = EXCLUDED.received_at
        WHERE b.received_at < EXCLUDED.received_at - convert.track_retry_window();
    IF NOT FOUND THEN
        total := convert.track_event_count(doc);
        RETURN json_build_object('code', 200,
                                 'message', format('duplicate batch: its %s events were already stored', total),
                                 'stored', 0, 'duplicates', total);
    END IF;

    PERFORM convert.ensure_event_partition_days(today, today);
    IF to_regclass('convert.' || convert.event_partition_name(today + 1)) IS NULL THEN
        PERFORM convert.try_event_partition_day(today + 1);
    END IF;
    SELECT * INTO stored, total
    FROM convert.track_store_events(project_id, doc -> 'visitors',
                                    coalesce((doc -> 'enrichData')::boolean, false),
                                    doc ->> 'source');
    RETURN json_build_object('code', 200, 'message', format('%s of %s events stored', stored, total),
                             'stored', stored, 'duplicates', total - stored);
END
$$;

-- POST /v1/track/{sdk_key}.  A browser's beacon cannot send headers, so a
-- missing secret is accepted (tracking.md §3.1); a wrong one is refused.  A
-- two-segment key that is not an SDK key is the account/project route, as
-- for the config.
CREATE FUNCTION convert.track(sdk_key text, payload json, authorization text DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert
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
    FROM convert.resolve_sdk_key(track.sdk_key, track.authorization, require_secret => false);
    RETURN convert.track_batch(key.account_id, key.project_id, payload);
END
$$;

-- POST /v1/track/{account_id}/{project_id}: refused (PT403) for projects
-- with disable_default_config, like the config route.
CREATE FUNCTION convert.track(account_id bigint, project_id bigint, payload json)
RETURNS json
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
    SELECT convert.track_batch(account_id, convert.resolve_project(account_id, project_id), payload)
$$;

COMMENT ON FUNCTION convert.track(text, json, text) IS
'Stores a tracking batch posted to /track/{sdk_key}; answers {"code": 200, "message": ...}';
COMMENT ON FUNCTION convert.track(bigint, bigint, json) IS
'Stores a tracking batch posted to /track/{account_id}/{project_id}; answers {"code": 200, "message": ...}';

REVOKE ALL ON FUNCTION convert.track_reject(text, text, text),
                       convert.track_check_envelope(bigint, bigint, jsonb),
                       convert.track_event_count(jsonb),
                       convert.track_batch(bigint, bigint, json),
                       convert.track_store_events(bigint, jsonb, boolean, text),
                       convert.track(text, json, text),
                       convert.track(bigint, bigint, json) FROM PUBLIC;

-- The HTTP front ends call track as convert_api (39_config_grants.sql),
-- which has no table access: track reaches the tables as SECURITY DEFINER.
GRANT EXECUTE ON FUNCTION convert.track(text, json, text),
                          convert.track(bigint, bigint, json) TO convert_api;
-- Experiment analysis, part 1: distribution functions and significance tests
-- (src/core/stats_*.c).  Each test takes sufficient statistics, so results
-- queries aggregate the events once and test per row.

CREATE FUNCTION convert.normal_cdf(x float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'convert_normal_cdf'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.student_t_cdf(t float8, df float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'convert_student_t_cdf'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.chi_square_sf(x float8, df float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'convert_chi_square_sf'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION convert.chi_square_sf(float8, float8) IS
'P(X >= x) for a chi-square distribution with df degrees of freedom';

-- Two-proportion z-test of arm b against the original a: pooled standard
-- error for z and the p-value, unpooled for the interval of b - a.
-- uplift = (pb - pa) / pa; its interval is the difference's divided by pa.
-- chance_to_beat = P(pb > pa) under the normal approximation.
CREATE FUNCTION convert.two_proportion_test(
    visitors_a bigint, converted_a bigint, visitors_b bigint, converted_b bigint,
    confidence float8 DEFAULT 0.95,
    OUT z float8, OUT p_value float8, OUT difference float8,
    OUT ci_low float8, OUT ci_high float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8,
    OUT chance_to_beat float8)
AS 'MODULE_PATHNAME', 'convert_two_proportion_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Welch's t-test of arm b's mean against the original a's, from each arm's
-- size, mean and sample variance.
CREATE FUNCTION convert.welch_test(
    n_a bigint, mean_a float8, variance_a float8,
    n_b bigint, mean_b float8, variance_b float8,
    confidence float8 DEFAULT 0.95,
    OUT t float8, OUT df float8, OUT p_value float8, OUT difference float8,
    OUT ci_low float8, OUT ci_high float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8,
    OUT chance_to_beat float8)
AS 'MODULE_PATHNAME', 'convert_welch_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Chi-square goodness of fit of observed counts against weights (arms of
-- weight 0 are left out), with k - 1 degrees of freedom.
CREATE FUNCTION convert.sample_ratio_test(observed float8[], weights float8[],
    OUT chi_square float8, OUT p_value float8)
AS 'MODULE_PATHNAME', 'convert_sample_ratio_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- Experiment analysis, part 2: results per variation and goal, and the
-- sample-ratio-mismatch check, over convert.visitor_bucketing (who was
-- exposed to which variation, first assignment) and convert.events
-- (conversions, with goal data).

-- The experience, checked: its id as stored, or an error naming the problem.
CREATE FUNCTION convert.analysis_experience(project_id bigint, experience_id text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert
AS $$
DECLARE
    id bigint;
BEGIN
    IF experience_id !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'invalid experience id "%"', experience_id
            USING ERRCODE = 'invalid_text_representation',
                  HINT = 'Experience ids are the numeric ids of the config, e.g. ''100349071''.';
    END IF;
    SELECT e.id INTO id FROM convert.experiences AS e
    WHERE e.project_id = analysis_experience.project_id AND e.id = experience_id::bigint;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'experience % not found in project %', experience_id, project_id
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN id;
END $$;

-- Revenue outlier bounds of the project (data-model.md: outliers.order_value
-- / outliers.products_ordered_count, or the deprecated min/max_order_value):
-- a NumericOutlier setting -> [low, high], as values or, when percentile,
-- as percentiles (0..100) of the order values analysed.
CREATE FUNCTION convert.outlier_bounds(setting jsonb, legacy_min numeric, legacy_max numeric,
                                       OUT low numeric, OUT high numeric, OUT percentile boolean)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN setting->>'detection_type' IN ('min_max', 'percentile')
                THEN (setting->>'min')::numeric
                WHEN setting->>'detection_type' = 'none' THEN NULL
                ELSE legacy_min END,
           CASE WHEN setting->>'detection_type' IN ('min_max', 'percentile')
                THEN (setting->>'max')::numeric
                WHEN setting->>'detection_type' = 'none' THEN NULL
                ELSE legacy_max END,
           coalesce(setting->>'detection_type' = 'percentile', false)
$$;

-- An experience's conversions grouped by visitor in one pass (C, over
-- convert.visitor_bucketing and convert.events): per variation and goal
-- with converting visitors, the converting visitors, conversions, revenue
-- and products within the bounds, and the sum over visitors of their
-- squared revenue.  A conversion counts when received at or after the
-- visitor's exposure; both lie in [from_time, to_time) (NULL: open).
-- Order values count within [order_low, order_high], product counts within
-- [products_low, products_high]; a NULL bound is open, and with
-- *_percentiles the bounds are percentiles (0..100, percentile_disc) of
-- the order values or product counts counted.
CREATE FUNCTION convert.analysis_tally(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS TABLE (variation_id bigint, goal_id bigint, converting_visitors bigint,
               conversions bigint, revenue numeric, products numeric, revenue_squares float8)
AS 'MODULE_PATHNAME', 'convert_analysis_tally'
-- it runs its own (parallel) queries, so it must run in the leader
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert
-- The tally reads every row its scans return, so a parallel scan pays
-- even though each row crosses a queue to the leader: workers take over
-- the reading, filtering and numeric-to-text work.
SET parallel_tuple_cost = 0.01;

-- One row per variation and goal of an experience: exposure, conversions,
-- revenue, and each variation against the original (the first variation):
-- conversion rate by the two-proportion z-test, revenue per visitor by
-- Welch's t-test over per-visitor revenue (0 for visitors without orders).
-- A conversion counts when it is received at or after the visitor's
-- exposure; both are limited to [from_time, to_time).
CREATE FUNCTION convert.experience_results(project_id bigint, experience_id text,
    from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
    confidence float8 DEFAULT 0.95)
RETURNS TABLE (
    variation_id text, variation_key text, is_original boolean,
    goal_id text, goal_key text,
    visitors bigint, converting_visitors bigint, conversions bigint, conversion_rate float8,
    revenue numeric, products numeric, revenue_per_visitor float8,
    uplift float8, uplift_low float8, uplift_high float8,
    p_value float8, chance_to_beat float8,
    revenue_uplift float8, revenue_uplift_low float8, revenue_uplift_high float8,
    revenue_p_value float8, revenue_chance_to_beat float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert
AS $$
#variable_conflict use_column
DECLARE
    p bigint := project_id;
    e bigint := convert.analysis_experience(project_id, experience_id);
    t0 timestamptz := coalesce(from_time, '-infinity');
    t1 timestamptz := coalesce(to_time, 'infinity');
    proj record;
    orders record;
    items record;
BEGIN
    SELECT pr.outliers, pr.settings INTO proj FROM convert.projects AS pr WHERE pr.id = p;
    orders := convert.outlier_bounds(proj.outliers->'order_value',
        (proj.settings->>'min_order_value')::numeric, (proj.settings->>'max_order_value')::numeric);
    items := convert.outlier_bounds(proj.outliers->'products_ordered_count', NULL, NULL);

    RETURN QUERY
    WITH arm_goal_totals AS (
        SELECT t.variation_id, t.goal_id, t.converting_visitors AS converting, t.conversions,
               t.revenue, t.products, t.revenue_squares
        FROM convert.analysis_tally(p, e, from_time, to_time,
                                    orders.low, orders.high, orders.percentile,
                                    items.low, items.high, items.percentile) AS t
    ), exposure AS (
        SELECT vb.variation_id, count(*) AS visitors
        FROM convert.visitor_bucketing AS vb
        WHERE vb.project_id = p AND vb.experience_id = e
          AND vb.bucketed_at >= t0 AND vb.bucketed_at < t1
        GROUP BY vb.variation_id
    ), arm_goal AS (
        SELECT a.id AS arm, a.key AS arm_key, a.is_original, a.arm_position,
               g.id AS goal, g.key AS goal_key, coalesce(eg.position, 1000000000) AS goal_position,
               eg.goal_id IS NOT NULL AS experience_goal,
               coalesce(x.visitors, 0) AS visitors,
               coalesce(t.converting, 0) AS converting,
               coalesce(t.conversions, 0)::bigint AS conversions,
               coalesce(t.revenue, 0) AS revenue,
               coalesce(t.products, 0) AS products,
               coalesce(t.revenue_squares, 0) AS revenue_squares
        FROM convert.analysis_arms(p, e) AS a
        CROSS JOIN convert.goals AS g
        LEFT JOIN convert.experience_goals AS eg
          ON eg.project_id = g.project_id AND eg.experience_id = e AND eg.goal_id = g.id
        LEFT JOIN exposure AS x ON x.variation_id = a.id
        LEFT JOIN arm_goal_totals AS t ON t.variation_id = a.id AND t.goal_id = g.id
        WHERE g.project_id = p
    ), moments AS (
        SELECT ag.*, sum(ag.converting) OVER (PARTITION BY ag.goal) AS goal_converting,
               CASE WHEN ag.visitors > 0 THEN ag.revenue / ag.visitors END AS mean,
               CASE WHEN ag.visitors > 1
                    THEN (ag.revenue_squares - ag.revenue * ag.revenue / ag.visitors) / (ag.visitors - 1)
               END AS variance
        FROM arm_goal AS ag
    )
    SELECT s.arm::text, s.arm_key, s.is_original, s.goal::text, s.goal_key,
           s.visitors, s.converting, s.conversions,
           CASE WHEN s.visitors > 0 THEN s.converting::float8 / s.visitors END,
           s.revenue, s.products, s.mean::float8,
           rate.uplift, rate.uplift_low, rate.uplift_high, rate.p_value, rate.chance_to_beat,
           rpv.uplift, rpv.uplift_low, rpv.uplift_high, rpv.p_value, rpv.chance_to_beat
    FROM moments AS s
    JOIN moments AS o ON o.goal = s.goal AND o.is_original
    LEFT JOIN LATERAL convert.two_proportion_test(o.visitors, o.converting, s.visitors, s.converting,
                                                  confidence) AS rate ON NOT s.is_original
    LEFT JOIN LATERAL convert.welch_test(o.visitors, o.mean::float8, o.variance::float8,
                                         s.visitors, s.mean::float8, s.variance::float8,
                                         confidence) AS rpv
           ON NOT s.is_original AND o.mean IS NOT NULL AND s.mean IS NOT NULL
              AND o.variance IS NOT NULL AND s.variance IS NOT NULL
    -- the experience's goals, in config order, then any other goal converted on
    WHERE s.experience_goal OR s.goal_converting > 0
    ORDER BY s.goal_position, s.goal, s.arm_position;
END $$;

-- The experience's variations in config order; the first is the original.
CREATE FUNCTION convert.analysis_arms(project_id bigint, experience_id bigint)
RETURNS TABLE (id bigint, key text, arm_position int, is_original boolean, weight numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT v.id, v.key, v.position, row_number() OVER (ORDER BY v.position) = 1,
           -- what the SDK gives the arm: running (or no status) and a positive share
           CASE WHEN coalesce(v.status, 'running') = 'running'
                THEN greatest(coalesce(v.traffic_allocation, 100), 0) ELSE 0 END
    FROM convert.variations AS v
    WHERE v.project_id = analysis_arms.project_id AND v.experience_id = analysis_arms.experience_id
      AND v.id IS NOT NULL
    ORDER BY v.position
$$;

-- Sample-ratio mismatch: visitors observed per variation against the
-- configured allocation (stopped or zero-allocation arms expect none and
-- are left out of the test).  mismatch is p_value < threshold.
CREATE FUNCTION convert.srm_check(project_id bigint, experience_id text,
                                  threshold float8 DEFAULT 0.001)
RETURNS TABLE (variation_id text, observed bigint, allocation numeric, expected float8,
               chi_square float8, p_value float8, mismatch boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convert
AS $$
    WITH arms AS (
        SELECT a.id, a.arm_position, a.weight,
               (SELECT count(*) FROM convert.visitor_bucketing AS vb
                WHERE vb.project_id = srm_check.project_id AND vb.experience_id = a_exp.id
                  AND vb.variation_id = a.id) AS observed
        FROM (SELECT convert.analysis_experience(srm_check.project_id, srm_check.experience_id) AS id) AS a_exp,
             convert.analysis_arms(srm_check.project_id, a_exp.id) AS a
    ), test AS (
        SELECT t.chi_square, t.p_value,
               sum(arms.observed) FILTER (WHERE arms.weight > 0) AS total,
               sum(arms.weight) AS weight_total
        FROM arms, convert.sample_ratio_test(
                 (SELECT array_agg(observed::float8 ORDER BY arm_position) FROM arms),
                 (SELECT array_agg(weight::float8 ORDER BY arm_position) FROM arms)) AS t
        GROUP BY t.chi_square, t.p_value
    )
    SELECT arms.id::text, arms.observed, arms.weight,
           CASE WHEN test.weight_total > 0 THEN (test.total * arms.weight / test.weight_total)::float8 END,
           test.chi_square, test.p_value, test.p_value < threshold
    FROM arms, test
    ORDER BY arms.arm_position
$$;

-- At a glance: every experience's results over all time, one row per
-- variation and goal.  Filter on project_id / experience_id: only the
-- experiences that pass are computed.
CREATE VIEW convert.experience_results_overview AS
SELECT e.project_id, e.id::text AS experience_id, e.key AS experience_key, r.*
FROM convert.experiences AS e
CROSS JOIN LATERAL convert.experience_results(e.project_id, e.id::text) AS r;

COMMENT ON VIEW convert.experience_results_overview IS
'convert.experience_results of every experience over all time';

-- At a glance: one row per experience with visitors, its sample-ratio test
-- and whether the split is off (p < 0.001).
CREATE VIEW convert.srm_overview AS
SELECT e.project_id, e.id::text AS experience_id, e.key AS experience_key,
       coalesce(sum(s.observed), 0)::bigint AS visitors,
       min(s.chi_square) AS chi_square, min(s.p_value) AS p_value,
       coalesce(bool_or(s.mismatch), false) AS mismatch
FROM convert.experiences AS e
LEFT JOIN LATERAL convert.srm_check(e.project_id, e.id::text) AS s ON true
GROUP BY e.project_id, e.id, e.key;

COMMENT ON VIEW convert.srm_overview IS
'Sample-ratio check of every experience: visitors, chi-square, p-value, mismatch';
-- Serving through PostgREST (README "## PostgREST"): schema convert_rest is
-- what a PostgREST deployment exposes (db-schemas = convert_rest).  It holds
-- only thin wrappers over the contract functions; anything else put here
-- would become an /rpc/ route, so helpers live in schema convert.
--
-- The name differs from the convert_api role (39_config_grants.sql), which
-- is the login/API role of convert-proxy: the two serve different front ends.

CREATE SCHEMA convert_rest;
COMMENT ON SCHEMA convert_rest IS
'The Serving API as PostgREST functions; expose it with db-schemas = convert_rest';

-- PostgREST (12 or later) sends the value of a function returning a domain
-- named after a media type as the response body, unchanged, with that
-- Content-Type: configs go out byte for byte, not re-encoded or wrapped.
CREATE DOMAIN convert_rest."application/json" AS json;

-- The roles of a PostgREST deployment.  Roles are cluster-wide, so a second
-- database in the same cluster finds them already there.
--   convert_web_anon       db-anon-role: may only EXECUTE convert_rest's functions
--   convert_authenticator  the role PostgREST logs in as; NOINHERIT, so it has
--                          no rights of its own until it switches to the anon
--                          role.  NOLOGIN here: the DBA gives it LOGIN and a
--                          password (README).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convert_web_anon') THEN
        CREATE ROLE convert_web_anon NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convert_authenticator') THEN
        CREATE ROLE convert_authenticator NOLOGIN NOINHERIT;
    END IF;
END
$$;
-- Helpers of the convert_rest wrappers: PostgREST's request context in, HTTP
-- caching headers out.  They live in schema convert (not exposed) and are
-- closed to PUBLIC; the wrappers reach them as SECURITY DEFINER.

-- A request header (PostgREST passes them as JSON with lower-cased names);
-- NULL when absent or blank, or outside a PostgREST request.
CREATE FUNCTION convert.rest_header(name text)
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
CREATE FUNCTION convert.rest_sdk_secret()
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(convert.rest_header('convert-sdk-secret'), convert.rest_header('authorization'))
$$;

-- Whether an If-None-Match list names this (strong) tag: "*" or any
-- member, a W/ prefix ignored (the weak comparison RFC 9110 asks for here).
CREATE FUNCTION convert.rest_etag_matches(if_none_match text, etag text)
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
CREATE FUNCTION convert.rest_config_cache_control(with_secret boolean, debug boolean, low_cache text)
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
CREATE FUNCTION convert.rest_set_headers(names text[], header_values text[])
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
CREATE FUNCTION convert.rest_config_answer(body json, cache_control text)
RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    etag constant text := '"' || pg_catalog.md5(body::text) || '"';
BEGIN
    PERFORM convert.rest_set_headers(ARRAY['ETag', 'Cache-Control'], ARRAY[etag, cache_control]);
    IF convert.rest_etag_matches(convert.rest_header('if-none-match'), etag) THEN
        PERFORM pg_catalog.set_config('response.status', '304', true);
        RETURN NULL;
    END IF;
    RETURN body;
END
$$;

REVOKE ALL ON FUNCTION convert.rest_header(text), convert.rest_sdk_secret(),
              convert.rest_etag_matches(text, text),
              convert.rest_config_cache_control(boolean, boolean, text),
              convert.rest_set_headers(text[], text[]), convert.rest_config_answer(json, text) FROM PUBLIC;
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
SET search_path = pg_catalog, convert
AS $$
DECLARE
    secret constant text := convert.rest_sdk_secret();
    token constant text := coalesce(convert.rest_header('convert-debug-token'),
                                    nullif(btrim(config.debug_token), ''));
BEGIN
    RETURN convert.rest_config_answer(
        convert.project_config_by_sdk_key(config.sdk_key, config.environment, secret, token),
        convert.rest_config_cache_control(secret IS NOT NULL, token IS NOT NULL, config._conv_low_cache));
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
SET search_path = pg_catalog, convert
AS $$
DECLARE
    token constant text := coalesce(convert.rest_header('convert-debug-token'),
                                    nullif(btrim(project_config.debug_token), ''));
BEGIN
    RETURN convert.rest_config_answer(
        convert.project_config(project_config.account_id, project_config.project_id,
                               project_config.environment, token),
        convert.rest_config_cache_control(false, token IS NOT NULL, project_config._conv_low_cache));
END
$$;

-- GET /rpc/project_config_basic?account_id=...&project_id=...
CREATE FUNCTION convert_rest.project_config_basic(account_id bigint, project_id bigint)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
BEGIN
    RETURN convert.rest_config_answer(
        convert.project_config_basic(project_config_basic.account_id, project_config_basic.project_id),
        convert.rest_config_cache_control(false, false, NULL));
END
$$;

COMMENT ON FUNCTION convert_rest.config(text, text, text, text, text) IS
'GET /rpc/config?sdk_key=: the config served under an SDK key (convert.project_config_by_sdk_key)';
COMMENT ON FUNCTION convert_rest.project_config(bigint, bigint, text, text, text, text) IS
'GET /rpc/project_config?account_id=&project_id=: the config by account and project (convert.project_config)';
COMMENT ON FUNCTION convert_rest.project_config_basic(bigint, bigint) IS
'GET /rpc/project_config_basic?account_id=&project_id=: the minimal project settings';
-- The track routes for PostgREST (POST, READ WRITE: VOLATILE).  A function
-- whose only parameter is an unnamed json receives the whole request body,
-- so nothing else can come from the URL: the SDK key arrives in the
-- convert-sdk-key header (a reverse proxy fills it from the SDK's path,
-- README "## PostgREST"), and the account/project route takes the ids the
-- payload carries anyway.

-- Track answers are never cached.
CREATE FUNCTION convert.rest_track_answer(answer json)
RETURNS json
LANGUAGE sql VOLATILE
AS $$
    SELECT answer FROM convert.rest_set_headers(ARRAY['Cache-Control'], ARRAY['no-store'])
$$;

-- POST /rpc/track, header convert-sdk-key (also "<account_id>/<project_id>").
-- The secret is optional, as for browsers' beacons; a wrong one is refused.
CREATE FUNCTION convert_rest.track(json)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
DECLARE
    sdk_key constant text := convert.rest_header('convert-sdk-key');
BEGIN
    IF sdk_key IS NULL THEN
        RAISE EXCEPTION 'missing sdk key' USING ERRCODE = 'PT400',
            DETAIL = 'POST /rpc/track takes the sdk key from the convert-sdk-key header, which was not sent.',
            HINT = 'Send the header "convert-sdk-key: <sdk key>", or post to /rpc/track_project.';
    END IF;
    RETURN convert.rest_track_answer(convert.track(sdk_key, $1, convert.rest_sdk_secret()));
END
$$;

-- POST /rpc/track_project: the payload's accountId and projectId name the
-- project; refused (PT403) for projects with disable_default_config.
CREATE FUNCTION convert_rest.track_project(json)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert
AS $$
DECLARE
    ids text[];
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
    RETURN convert.rest_track_answer(convert.track(ids[1]::bigint, ids[2]::bigint, $1));
END
$$;

COMMENT ON FUNCTION convert_rest.track(json) IS
'POST /rpc/track with header convert-sdk-key: stores a tracking batch (convert.track by sdk key)';
COMMENT ON FUNCTION convert_rest.track_project(json) IS
'POST /rpc/track_project: stores a tracking batch for the payload''s accountId/projectId';

REVOKE ALL ON FUNCTION convert.rest_track_answer(json) FROM PUBLIC;
-- Grants of the PostgREST deployment (roles in 70_rest_schema.sql).  The
-- anonymous role gets USAGE on convert_rest and EXECUTE on its functions,
-- nothing else: no table, no schema convert; the wrappers reach the
-- contract functions as SECURITY DEFINER.  The authenticator may only
-- switch to it.

REVOKE ALL ON SCHEMA convert_rest FROM PUBLIC;
GRANT USAGE ON SCHEMA convert_rest TO convert_web_anon;

REVOKE ALL ON TYPE convert_rest."application/json" FROM PUBLIC;
GRANT USAGE ON TYPE convert_rest."application/json" TO convert_web_anon;

REVOKE ALL ON FUNCTION convert_rest.config(text, text, text, text, text),
              convert_rest.project_config(bigint, bigint, text, text, text, text),
              convert_rest.project_config_basic(bigint, bigint),
              convert_rest.track(json), convert_rest.track_project(json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION convert_rest.config(text, text, text, text, text),
              convert_rest.project_config(bigint, bigint, text, text, text, text),
              convert_rest.project_config_basic(bigint, bigint),
              convert_rest.track(json), convert_rest.track_project(json) TO convert_web_anon;

-- Already a member when a second database installs the extension.
DO $$
BEGIN
    IF NOT pg_catalog.pg_has_role('convert_authenticator', 'convert_web_anon', 'MEMBER') THEN
        GRANT convert_web_anon TO convert_authenticator;
    END IF;
END
$$;
