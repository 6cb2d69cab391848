-- The project model on Citus (docs/citus.md): reference tables, a copy on
-- every node, so that queries joining it with the distributed tracking
-- tables run on the workers.  The model's triggers fire on every node's
-- copy and act on the coordinator's only (fired_on_citus_worker), which
-- keeps the config cache; the cache itself stays an ordinary table there.

-- The model tables, each after the tables it refers to.
CREATE FUNCTION convert_internal.model_tables()
RETURNS regclass[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT ARRAY['convert.accounts', 'convert.projects', 'convert.project_environments',
                 'convert.sdk_keys', 'convert.goals', 'convert.locations', 'convert.audiences',
                 'convert.segments', 'convert.features', 'convert.feature_variables',
                 'convert.experiences', 'convert.experience_locations', 'convert.experience_audiences',
                 'convert.experience_goals', 'convert.variations', 'convert.variation_changes',
                 'convert.archived_experiences', 'convert.debug_tokens']::pg_catalog.regclass[]
$$;

-- A table's name with its schema, as workers read it whatever their
-- search_path.
CREATE FUNCTION convert_internal.qualified_name(tab regclass)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT format('%I.%I', n.nspname, c.relname)
    FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.oid = tab
$$;

-- Run one statement on every worker, through Citus' own connections (so
-- outside this transaction: it must be safe to run again).
CREATE FUNCTION convert_internal.citus_run_on_workers(command text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    failure text;
BEGIN
    EXECUTE 'SELECT r.nodename || '':'' || r.nodeport || '': '' || r.result
             FROM run_command_on_workers($1) AS r WHERE NOT r.success LIMIT 1'
        INTO failure USING command;
    IF failure IS NOT NULL THEN
        RAISE EXCEPTION 'a Citus worker refused a statement'
            USING ERRCODE = 'external_routine_exception',
                  DETAIL = format('%s failed on %s', command, failure);
    END IF;
END
$$;

-- Make the model tables reference tables; returns the ones made now.
-- Citus distributes a table only when no foreign key ties it to a table it
-- does not know, and it copies the rows into every placement, which would
-- leave the deferred traffic check pending (then no key can be added in
-- this transaction).  So the model's foreign keys and constraint triggers
-- are dropped on every node, the tables distributed, and the keys and
-- triggers created again, now by Citus on every copy.  The config cache's
-- key to projects is not created again: the cache stays on the coordinator,
-- and refresh_config_cache clears a deleted project's entries itself.
CREATE FUNCTION convert_internal.citus_distribute_model()
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- not Citus' notices per table about the copy left on the coordinator's
-- disk: the model is small
SET client_min_messages = warning
AS $$
DECLARE
    model constant regclass[] := convert_internal.model_tables();
    pending regclass[];
    coordinator_listed boolean;
    -- the keys and constraint triggers: kind 'f' or 't', table, name,
    -- definition, and whether to create it again
    kinds text[];
    tabs text[];
    names name[];
    defs text[];
    again boolean[];
    tab regclass;
    done text[] := '{}';
BEGIN
    EXECUTE 'SELECT array_agg(m.tab ORDER BY m.n) FROM unnest($1) WITH ORDINALITY AS m(tab, n)
             WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = m.tab)'
        INTO pending USING model;
    IF pending IS NULL THEN
        RETURN done;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_node WHERE groupid = 0)' INTO coordinator_listed;
    IF NOT coordinator_listed THEN
        RAISE EXCEPTION 'the Citus coordinator is not in its own node list'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The project model becomes reference tables, and the coordinator must hold '
                           'a copy: it keeps the config cache.',
                  HINT = 'Run SELECT citus_set_coordinator_host(''<coordinator host>'', <port>); first.';
    END IF;
    -- the model's own triggers, made safe for Citus by fired_on_citus_worker
    PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);

    SELECT array_agg(k.kind ORDER BY k.kind, k.tab, k.name), array_agg(k.tab ORDER BY k.kind, k.tab, k.name),
           array_agg(k.name ORDER BY k.kind, k.tab, k.name), array_agg(k.def ORDER BY k.kind, k.tab, k.name),
           array_agg(k.again ORDER BY k.kind, k.tab, k.name)
    INTO kinds, tabs, names, defs, again
    FROM (SELECT 'f' AS kind, convert_internal.qualified_name(c.conrelid) AS tab, c.conname AS name,
                 pg_get_constraintdef(c.oid) AS def, c.conrelid = ANY (model) AS again
          FROM pg_catalog.pg_constraint AS c
          WHERE c.contype = 'f' AND (c.conrelid = ANY (model) OR c.confrelid = ANY (model))
          UNION ALL
          SELECT 't', convert_internal.qualified_name(t.tgrelid), t.tgname, pg_get_triggerdef(t.oid), true
          FROM pg_catalog.pg_trigger AS t
          WHERE t.tgconstraint <> 0 AND NOT t.tgisinternal AND t.tgrelid = ANY (model)) AS k;
    FOR i IN 1 .. coalesce(cardinality(kinds), 0) LOOP
        IF kinds[i] = 'f' THEN
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tabs[i], names[i]);
            PERFORM convert_internal.citus_run_on_workers(
                format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', tabs[i], names[i]));
        ELSE
            EXECUTE format('DROP TRIGGER %I ON %s', names[i], tabs[i]);
            PERFORM convert_internal.citus_run_on_workers(
                format('DROP TRIGGER IF EXISTS %I ON %s', names[i], tabs[i]));
        END IF;
    END LOOP;

    FOREACH tab IN ARRAY pending LOOP
        PERFORM convert_internal.citus_distribute_table(tab, NULL, NULL);
        done := done || convert_internal.qualified_name(tab);
    END LOOP;

    FOR i IN 1 .. coalesce(cardinality(kinds), 0) LOOP
        CONTINUE WHEN NOT again[i];
        IF kinds[i] = 'f' THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', tabs[i], names[i], defs[i]);
        ELSE
            EXECUTE defs[i];
        END IF;
    END LOOP;
    RETURN done;
END
$$;

REVOKE ALL ON FUNCTION convert_internal.model_tables(),
                       convert_internal.qualified_name(regclass),
                       convert_internal.citus_run_on_workers(text),
                       convert_internal.citus_distribute_model() FROM PUBLIC;
