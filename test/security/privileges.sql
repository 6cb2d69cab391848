-- What each role can use in the extension's schemas, one line per
-- privilege: "role  privilege  object".  Roles: PUBLIC and the extension's
-- own.  Privileges count as the server checks them (through inherited
-- memberships, not through roles one must SET ROLE to).  Partitions are
-- reached through their parent and are left out.
SET search_path = pg_catalog;
WITH roles(role) AS (
    VALUES ('public'), ('convert_api'), ('convert_web_anon'), ('convert_authenticator'),
           ('convert_analyst')
),
schemas AS (
    SELECT oid, nspname FROM pg_namespace WHERE nspname IN ('convert', 'convert_internal', 'convert_rest')
),
functions AS (
    SELECT p.oid, p.oid::regprocedure::text AS name
    FROM pg_proc p JOIN schemas s ON s.oid = p.pronamespace
),
relations AS (
    SELECT c.oid, c.oid::regclass::text AS name, c.relkind
    FROM pg_class c JOIN schemas s ON s.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT c.relispartition
),
granted(role, privilege, object) AS (
    SELECT r.role, privilege, 'schema ' || s.nspname
    FROM roles r, schemas s, unnest(ARRAY['USAGE', 'CREATE']) AS privilege
    WHERE has_schema_privilege(r.role, s.oid, privilege)
    UNION ALL
    SELECT r.role, 'EXECUTE', f.name
    FROM roles r, functions f
    WHERE has_function_privilege(r.role, f.oid, 'EXECUTE')
    UNION ALL
    SELECT r.role, privilege, rel.name
    FROM roles r, relations rel,
         unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'])
             AS privilege
    WHERE rel.relkind <> 'S' AND has_table_privilege(r.role, rel.oid, privilege)
    UNION ALL
    SELECT r.role, privilege, rel.name
    FROM roles r, relations rel, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS privilege
    WHERE rel.relkind = 'S' AND has_sequence_privilege(r.role, rel.oid, privilege)
)
SELECT format('%-22s %-10s %s', role, privilege, object)
FROM granted
ORDER BY role, privilege, object;
