-- Decisions over a compiled config, answering exactly as the official SDK's
-- runExperience / runExperiences / runFeature / runFeatures.  NULL
-- location_properties and environment mean what the SDK does when they are
-- not passed; `attributes` carries the SDK's per-call options and the
-- visitor's stored state (docs/rules-and-decisions.md).  IMMUTABLE: the answer
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
