-- convert: schema-wide setup.  Parts of the install script are concatenated
-- in file-name order into sql/convert--<version>.sql by the Makefile.

\echo Use "CREATE EXTENSION convert" to load this file. \quit

COMMENT ON SCHEMA convert IS 'Convert experiments: bucketing, rules, config serving and tracking';
