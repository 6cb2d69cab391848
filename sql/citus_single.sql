-- Citus is opt-in (docs/citus.md): without it citus_distribute() refuses
-- with a hint, nothing is distributed, track() keeps its single-server
-- path and citus_prepare_drop() has nothing to do.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\set SHOW_CONTEXT never
SELECT convert.citus_distribute();
\set VERBOSITY sqlstate
SELECT convert.citus_distribute();
\set VERBOSITY default
SELECT convert_internal.citus_tracking();
SELECT convert.citus_prepare_drop();
SELECT count(*) AS drop_guards FROM pg_event_trigger WHERE evtname = 'convert_citus_drop_guard';
-- neither is for the API roles or analysts
SELECT r.rolname, has_function_privilege(r.rolname, 'convert.citus_distribute()', 'EXECUTE') AS distribute,
       has_function_privilege(r.rolname, 'convert.citus_prepare_drop()', 'EXECUTE') AS prepare_drop
FROM pg_roles AS r
WHERE r.rolname IN ('convert_api', 'convert_analyst', 'convert_web_anon')
ORDER BY r.rolname;
