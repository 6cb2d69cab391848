-- Runs first: pg_regress runs every test in one database, in REGRESS order.
-- Creates the extension and the helpers the tests share.
CREATE EXTENSION convert;
CREATE SCHEMA regress;
-- Tests switch to the API roles and still call these.
GRANT USAGE ON SCHEMA regress TO PUBLIC;

-- Runs a statement; shows its SQLSTATE and message when it fails.
CREATE FUNCTION regress.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
