-- Typed reads of a config document's members for convert.import_project.
-- Each takes the JSON value (NULL when the member is absent) and its JSON
-- path, and refuses a wrong type with SQLSTATE PT400 naming the path.

CREATE FUNCTION convert_internal.import_fail(path text, expected text, value jsonb)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'invalid config at %: expected %', path, expected
        USING ERRCODE = 'PT400',
              DETAIL = format('The value found was %s.',
                              coalesce(pg_catalog.left(value::text, 60), 'nothing'));
END
$$;

-- A Convert id: a string of digits (as served) or a whole JSON number.
CREATE FUNCTION convert_internal.import_id(value jsonb, path text, required boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
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
    PERFORM convert_internal.import_fail(path, 'an id (a string of digits)', value);
    RETURN NULL;
END
$$;

-- The value if it has the JSON type asked for, NULL if absent or null;
-- anything else is refused, described as `described`.
CREATE FUNCTION convert_internal.import_typed(value jsonb, path text, json_type text, described text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    found constant text := coalesce(pg_catalog.jsonb_typeof(value), 'null');
BEGIN
    IF found = json_type THEN
        RETURN value;
    ELSIF found <> 'null' THEN
        PERFORM convert_internal.import_fail(path, described, value);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION convert_internal.import_text(value jsonb, path text)
RETURNS text
LANGUAGE sql IMMUTABLE
RETURN convert_internal.import_typed(value, path, 'string', 'a string') #>> '{}';

-- A number, or a string holding one (JSON's number syntax).
CREATE FUNCTION convert_internal.import_number(value jsonb, path text)
RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
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
    PERFORM convert_internal.import_fail(path, 'a number', value);
    RETURN NULL;
END
$$;

CREATE FUNCTION convert_internal.import_integer(value jsonb, path text)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    n numeric := convert_internal.import_number(value, path);
BEGIN
    IF n IS NULL OR (n = trunc(n) AND abs(n) < 2147483648) THEN
        RETURN n::integer;
    END IF;
    PERFORM convert_internal.import_fail(path, 'an integer', value);
    RETURN NULL;
END
$$;

CREATE FUNCTION convert_internal.import_boolean(value jsonb, path text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN convert_internal.import_typed(value, path, 'boolean', 'true or false')::boolean;

CREATE FUNCTION convert_internal.import_object(value jsonb, path text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN convert_internal.import_typed(value, path, 'object', 'an object');

-- An array; absent or null reads as empty.
CREATE FUNCTION convert_internal.import_array(value jsonb, path text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN coalesce(convert_internal.import_typed(value, path, 'array', 'an array'), '[]'::jsonb);

CREATE FUNCTION convert_internal.import_text_array(value jsonb, path text)
RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT CASE WHEN coalesce(pg_catalog.jsonb_typeof(value), 'null') = 'null' THEN NULL
           ELSE (SELECT coalesce(pg_catalog.array_agg(
                                     convert_internal.import_text(t.v, pg_catalog.format('%s[%s]', path, t.n - 1))
                                     ORDER BY t.n), '{}')
                 FROM pg_catalog.jsonb_array_elements(convert_internal.import_array(value, path))
                      WITH ORDINALITY AS t(v, n))
           END
$$;

-- Rules are checked by convert.rules' own input; its complaint is passed on
-- with the path of the rules in the document.
CREATE FUNCTION convert_internal.import_rules(value jsonb, path text)
RETURNS convert.rules
AS 'MODULE_PATHNAME', 'convert_import_rules'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
