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
