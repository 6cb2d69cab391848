-- Project model: the tables behind the Serving API's config document
-- (docs/sdk-behaviour.md).  Every entity row belongs to one project; ids
-- are Convert's numeric ids (served as JSON strings).  Fields that the model
-- does not name are kept verbatim in `extra` and served unchanged; `position`
-- keeps the document's array order, which the SDK depends on.

CREATE FUNCTION convert_internal.random_bytes(n int)
RETURNS bytea
AS 'MODULE_PATHNAME', 'convert_random_bytes'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

CREATE FUNCTION convert_internal.secret_equal(a bytea, b bytea)
RETURNS boolean
AS 'MODULE_PATHNAME', 'convert_secret_equal'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

REVOKE ALL ON FUNCTION convert_internal.random_bytes(int), convert_internal.secret_equal(bytea, bytea) FROM PUBLIC;

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
-- Without a primary key (either target may be NULL), rows are identified
-- whole: logical replication, and Citus copying the model to a new node,
-- need a replica identity.
ALTER TABLE convert.experience_audiences REPLICA IDENTITY FULL;
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
