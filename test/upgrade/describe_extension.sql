-- Describes every object of the extension "convert" in the current database,
-- one sorted line (or block) per object, so that two databases can be
-- compared with diff: functions with their whole definition, types, tables
-- with columns, constraints, indexes, triggers and policies, views, sequences,
-- casts, operators, grants, and the pg_extension_config_dump entries.
-- Everything is printed schema-qualified (search_path is emptied first).
SET search_path = pg_catalog;

WITH members AS (
    SELECT d.classid, d.objid
    FROM pg_depend d
    JOIN pg_extension e ON e.oid = d.refobjid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND e.extname = 'convert'
),
member_rels AS (
    SELECT c.oid, c.relkind, c.oid::regclass::text AS name
    FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
),
lines(kind, name, detail) AS (
    -- schemas
    SELECT 'schema', n.nspname::text, coalesce(n.nspacl::text, '')
    FROM pg_namespace n JOIN members m ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
    UNION ALL
    -- functions and procedures: the whole CREATE statement, and the grants
    SELECT 'function', p.oid::regprocedure::text,
           pg_get_functiondef(p.oid) || E'\n  acl ' || coalesce(p.proacl::text, 'default')
    FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
    WHERE p.prokind <> 'a'
    UNION ALL
    -- aggregates: the parts pg_get_functiondef cannot show
    SELECT 'aggregate', p.oid::regprocedure::text,
           format('returns %s transfn %s finalfn %s combinefn %s serialfn %s deserialfn %s '
                  'stype %s initval %s parallel %s acl %s',
                  p.prorettype::regtype, a.aggtransfn, a.aggfinalfn, a.aggcombinefn,
                  a.aggserialfn, a.aggdeserialfn, a.aggtranstype::regtype,
                  a.agginitval, p.proparallel, coalesce(p.proacl::text, 'default'))
    FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
    JOIN pg_aggregate a ON a.aggfnoid = p.oid
    UNION ALL
    -- types (the row types of tables are described with their tables)
    SELECT 'type', t.oid::regtype::text,
           format('type %s input %s output %s receive %s send %s base %s notnull %s '
                  'default %s length %s align %s storage %s acl %s',
                  t.typtype, t.typinput, t.typoutput, t.typreceive, t.typsend,
                  nullif(t.typbasetype, 0)::regtype, t.typnotnull, t.typdefault,
                  t.typlen, t.typalign, t.typstorage, coalesce(t.typacl::text, 'default'))
    FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    UNION ALL
    SELECT 'type constraint', t.oid::regtype::text || ' ' || c.conname,
           pg_get_constraintdef(c.oid)
    FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    JOIN pg_constraint c ON c.contypid = t.oid
    UNION ALL
    SELECT 'enum', e.enumtypid::regtype::text, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
    FROM pg_enum e JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = e.enumtypid
    GROUP BY e.enumtypid
    UNION ALL
    -- relations
    SELECT 'relation', r.name,
           format('kind %s persistence %s options %s partition %s replica identity %s acl %s',
                  c.relkind, c.relpersistence, c.reloptions,
                  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                  c.relreplident, coalesce(c.relacl::text, 'default'))
    FROM member_rels r JOIN pg_class c ON c.oid = r.oid
    UNION ALL
    -- columns, in their order (a column an upgrade adds must be last in the
    -- install script too, so that SELECT * means the same everywhere)
    SELECT 'column', r.name || ' ' || lpad(row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum)::text, 3, '0'),
           format('%s %s notnull %s default %s identity %s generated %s collation %s acl %s',
                  a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
                  nullif(a.attcollation, 0)::regcollation, coalesce(a.attacl::text, 'default'))
    FROM member_rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    UNION ALL
    SELECT 'constraint', r.name || ' ' || c.conname,
           pg_get_constraintdef(c.oid) || format(' deferrable %s deferred %s', c.condeferrable, c.condeferred)
    FROM member_rels r JOIN pg_constraint c ON c.conrelid = r.oid
    UNION ALL
    SELECT 'index', r.name || ' ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM member_rels r JOIN pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT 'trigger', r.name || ' ' || t.tgname, pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text
    FROM member_rels r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT 'policy', r.name || ' ' || p.polname,
           format('%s %s roles %s using %s check %s', p.polcmd::text, p.polpermissive, p.polroles::regrole[],
                  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
    FROM member_rels r JOIN pg_policy p ON p.polrelid = r.oid
    UNION ALL
    SELECT 'row security', r.name, format('enabled %s forced %s', c.relrowsecurity, c.relforcerowsecurity)
    FROM member_rels r JOIN pg_class c ON c.oid = r.oid WHERE r.relkind IN ('r', 'p')
    UNION ALL
    SELECT 'view', r.name, pg_get_viewdef(r.oid)
    FROM member_rels r WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'sequence', r.name,
           format('%s start %s increment %s min %s max %s cycle %s owned by %s',
                  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,
                  (SELECT dc.refobjid::regclass || '.' || dc.refobjsubid FROM pg_depend dc
                   WHERE dc.classid = 'pg_class'::regclass AND dc.objid = r.oid
                     AND dc.refclassid = 'pg_class'::regclass AND dc.deptype IN ('a', 'i')))
    FROM member_rels r JOIN pg_sequence s ON s.seqrelid = r.oid
    UNION ALL
    SELECT 'cast', format('%s -> %s', c.castsource::regtype, c.casttarget::regtype),
           format('function %s context %s method %s', nullif(c.castfunc, 0)::regprocedure, c.castcontext, c.castmethod)
    FROM pg_cast c JOIN members m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
    UNION ALL
    SELECT 'operator', o.oid::regoperator::text, format('function %s', o.oprcode)
    FROM pg_operator o JOIN members m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
    UNION ALL
    -- what pg_dump keeps of the tables' data
    SELECT 'config dump', x.tab::regclass::text, coalesce(x.cond, '')
    FROM pg_extension e,
         unnest(e.extconfig, e.extcondition) AS x(tab, cond)
    WHERE e.extname = 'convert'
    UNION ALL
    -- anything else the extension owns, by its kind only
    SELECT 'member', pg_describe_object(m.classid, m.objid, 0), ''
    FROM members m
    WHERE m.classid NOT IN ('pg_namespace'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                            'pg_class'::regclass, 'pg_cast'::regclass, 'pg_operator'::regclass)
)
SELECT kind || ' ' || name || E'\n  ' || replace(detail, E'\n', E'\n  ')
FROM lines
ORDER BY kind, name, detail;
