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
