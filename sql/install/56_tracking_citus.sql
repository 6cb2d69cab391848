-- Tracking on Citus (docs/citus.md).  Opt-in: convert.citus_distribute()
-- distributes the tracking tables; until then nothing here is used and
-- track() stores batches exactly as on a single node.

-- Whether convert.events is a Citus distributed table.  pg_dist_partition
-- exists only with Citus, hence the dynamic query behind the cheap check.
CREATE FUNCTION convert_internal.citus_tracking()
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    distributed boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition
                            WHERE logicalrelid = ''convert.events''::pg_catalog.regclass)'
        INTO distributed;
    RETURN distributed;
END
$$;

-- Distribute one table unless Citus already has it: by `key` (NULL: a
-- reference table), co-located with `colocate` ('none': a group of its own).
CREATE FUNCTION convert_internal.citus_distribute_table(tab regclass, key text, colocate text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    known boolean;
BEGIN
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
        INTO known USING tab;
    IF known THEN
        RETURN false;
    END IF;
    IF key IS NULL THEN
        EXECUTE 'SELECT create_reference_table($1)' USING tab;
    ELSE
        EXECUTE 'SELECT create_distributed_table($1, $2, colocate_with => $3)' USING tab, key, colocate;
    END IF;
    RETURN true;
END
$$;

-- Store a batch with statements Citus can route: track_store_events'
-- single statement, written per table.  The whole batch is parsed and
-- checked into a temporary table before the first write, and the caller's
-- transaction makes the writes on every worker one atomic unit.  Same
-- policies as track_store_events (duplicates, enrichData, segments).
CREATE FUNCTION convert_internal.track_store_events_citus(target_project bigint, visitors jsonb,
                                                          enrich boolean, batch_source text,
                                                          OUT stored integer, OUT total integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- Citus plans a statement with its values bound, not a generic plan
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    received timestamptz := now();
    visitor_ids text[];
    state jsonb;
    conv record;
BEGIN
    IF to_regclass('pg_temp.convert_track_batch') IS NULL THEN
        CREATE TEMPORARY TABLE convert_track_batch (
            ord bigint, vi integer, visitor_id text, event_type text, kind text,
            experience_id bigint, variation_id bigint, goal_id bigint, goal_data jsonb,
            bucketing_data jsonb, batch_bucketing jsonb, amount numeric, products_count numeric,
            transaction_id text, repeated boolean, segments jsonb, sent_digest bytea,
            sent_empty boolean, won boolean NOT NULL DEFAULT false
        ) ON COMMIT DELETE ROWS;
    END IF;
    TRUNCATE pg_temp.convert_track_batch;

    -- kind: b bucketing, g plain conversion, t transaction, r other revenue;
    -- an entry's segments (on its first row) go with each of its events
    INSERT INTO pg_temp.convert_track_batch
    SELECT p.ordinality, p.vi, p.visitor_id, p.event_type,
           CASE WHEN p.event_type = 'bucketing' THEN 'b'
                WHEN p.goal_data IS NULL THEN 'g'
                WHEN p.transaction_id IS NOT NULL THEN 't'
                ELSE 'r' END,
           p.experience_id, p.variation_id, p.goal_id, p.goal_data, p.bucketing_data,
           p.batch_bucketing, p.amount, p.products_count, p.transaction_id, p.repeated,
           p.entry_segments,
           sha256(convert_to(p.entry_segments::text, 'UTF8')), p.entry_segments = '{}'
    FROM (SELECT r.*, (array_agg(r.segments) FILTER (WHERE r.segments IS NOT NULL)
                           OVER (PARTITION BY r.vi))[1] AS entry_segments
          FROM convert_internal.track_parse(target_project, visitors, convert.track_max_visitors(),
                                            convert.track_max_events())
               WITH ORDINALITY AS r) AS p;
    SELECT count(*), array_agg(DISTINCT b.visitor_id) INTO total, visitor_ids
    FROM pg_temp.convert_track_batch AS b;

    INSERT INTO convert.segment_sets AS ss (digest, segments)
    SELECT DISTINCT ON (b.sent_digest) b.sent_digest, b.segments
    FROM pg_temp.convert_track_batch AS b
    WHERE b.segments IS NOT NULL
    ON CONFLICT (digest) DO NOTHING;

    -- each visitor's stored assignments (before this batch) and latest
    -- segments: one query, grouped on the shards by visitor
    SELECT jsonb_object_agg(s.visitor_id, jsonb_build_object('b', s.bucketing, 'd', encode(s.digest, 'hex')))
    INTO state
    FROM (SELECT vb.visitor_id,
                 jsonb_object_agg(vb.experience_id::text, vb.variation_id::text) AS bucketing,
                 (array_agg(vb.segments_digest ORDER BY vb.bucketed_at DESC)
                      FILTER (WHERE vb.segments_digest IS NOT NULL))[1] AS digest
          FROM convert.visitor_bucketing AS vb
          WHERE vb.project_id = target_project AND vb.visitor_id = ANY (visitor_ids)
          GROUP BY vb.visitor_id) AS s;
    state := coalesce(state, '{}');

    -- the first decision per experience wins
    INSERT INTO convert.visitor_bucketing AS vb
        (project_id, visitor_id, experience_id, variation_id, bucketed_at, segments_digest)
    SELECT DISTINCT ON (b.visitor_id, b.experience_id)
           target_project, b.visitor_id, b.experience_id, b.variation_id, received, b.sent_digest
    FROM pg_temp.convert_track_batch AS b
    WHERE b.kind = 'b' AND NOT b.repeated
    ORDER BY b.visitor_id, b.experience_id, b.ord
    ON CONFLICT (project_id, visitor_id, experience_id) DO NOTHING;

    -- plain conversions and transactions: one routed insert each (a batch
    -- has few); the ones that were new are stored as events
    FOR conv IN SELECT b.ord, b.kind, b.visitor_id, b.goal_id, b.transaction_id
             FROM pg_temp.convert_track_batch AS b
             WHERE b.kind IN ('g', 't') AND NOT b.repeated
             ORDER BY b.ord
    LOOP
        IF conv.kind = 'g' THEN
            INSERT INTO convert.visitor_goals (project_id, visitor_id, goal_id, converted_at)
            VALUES (target_project, conv.visitor_id, conv.goal_id, received)
            ON CONFLICT (project_id, visitor_id, goal_id) DO NOTHING;
        ELSE
            INSERT INTO convert.goal_transactions (project_id, goal_id, transaction_id, visitor_id, received_at)
            VALUES (target_project, conv.goal_id, conv.transaction_id, conv.visitor_id, received)
            ON CONFLICT (project_id, goal_id, transaction_id) DO NOTHING;
        END IF;
        IF FOUND THEN
            UPDATE pg_temp.convert_track_batch SET won = true WHERE ord = conv.ord;
        END IF;
    END LOOP;

    UPDATE pg_temp.convert_track_batch AS b SET won = true
    WHERE NOT b.repeated
      AND CASE b.kind
          WHEN 'b' THEN state -> b.visitor_id -> 'b' ->> b.experience_id::text
                        IS DISTINCT FROM b.variation_id::text
          WHEN 'r' THEN true
          ELSE false
          END;
    SELECT count(*) INTO stored FROM pg_temp.convert_track_batch AS b WHERE b.won;

    INSERT INTO convert.events
        (received_at, project_id, visitor_id, event_type, experience_id, variation_id, goal_id,
         amount, products_count, transaction_id, goal_data, bucketing, source,
         segments_digest, stored_segments_digest)
    SELECT received, target_project, b.visitor_id, b.event_type, b.experience_id, b.variation_id,
           b.goal_id, b.amount, b.products_count, b.transaction_id, b.goal_data,
           CASE WHEN b.event_type <> 'conversion' THEN NULL
                WHEN enrich THEN nullif(coalesce(state -> b.visitor_id -> 'b', '{}')
                                        || coalesce(b.batch_bucketing, '{}')
                                        || coalesce(b.bucketing_data, '{}'), '{}')
                ELSE b.bucketing_data END,
           batch_source,
           CASE WHEN enrich AND state -> b.visitor_id ->> 'd' IS NULL AND b.sent_empty THEN NULL
                ELSE b.sent_digest END,
           CASE WHEN enrich THEN decode(state -> b.visitor_id ->> 'd', 'hex') END
    FROM pg_temp.convert_track_batch AS b
    WHERE b.won
    ORDER BY b.ord;
END
$$;

-- Opt in to Citus: distribute the tracking tables and make the project
-- model reference tables (docs/citus.md).  Run by the extension's owner on
-- the coordinator, after the workers were added; running it again
-- distributes only what is not yet distributed.
CREATE FUNCTION convert.citus_distribute()
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    done text[] := '{}';
    t record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'Citus is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Load citus (shared_preload_libraries), CREATE EXTENSION citus, add the '
                         'workers with citus_add_node, then call convert.citus_distribute() again.';
    END IF;
    -- one connection per node: the model's foreign keys, created again
    -- below, need every earlier statement of the transaction on it
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- the visitor's rows on one shard group; a transaction is unique per
    -- goal, so its table is distributed by transaction_id instead; the
    -- batch digests (convert.track_batches) stay on the coordinator
    FOR t IN SELECT * FROM (VALUES
        (1, 'convert.events', 'visitor_id', 'none'),
        (2, 'convert.visitor_bucketing', 'visitor_id', 'convert.events'),
        (3, 'convert.visitor_goals', 'visitor_id', 'convert.events'),
        (4, 'convert.goal_transactions', 'transaction_id', 'none'),
        (5, 'convert.segment_sets', NULL, NULL)) AS v(n, tab, key, colocate)
        ORDER BY v.n
    LOOP
        IF convert_internal.citus_distribute_table(t.tab::pg_catalog.regclass, t.key, t.colocate) THEN
            done := done || t.tab;
        END IF;
    END LOOP;
    -- the project model: a copy on every node (sql/install/57_model_citus.sql)
    done := done || convert_internal.citus_distribute_model();
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = 'convert_citus_drop_guard') THEN
        CREATE EVENT TRIGGER convert_citus_drop_guard ON ddl_command_start
            WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION convert_internal.citus_drop_guard();
    END IF;
    RETURN done;
END
$$;

-- The extension's tables that Citus knows (distributed or reference; not
-- the partitions of convert.events, which go with it), in the order to
-- drop them.
CREATE FUNCTION convert_internal.citus_tables()
RETURNS regclass[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    tables regclass[];
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RETURN '{}';
    END IF;
    EXECUTE 'SELECT array_agg(p.logicalrelid ORDER BY p.logicalrelid)
             FROM pg_catalog.pg_dist_partition AS p
             JOIN pg_catalog.pg_class AS c ON c.oid = p.logicalrelid
             WHERE c.relnamespace = ''convert''::pg_catalog.regnamespace AND NOT c.relispartition'
        INTO tables;
    RETURN coalesce(tables, '{}');
END
$$;

-- Refuse DROP EXTENSION convert while Citus holds its tables: Citus would
-- leave their shards and copies on the workers.  citus_distribute()
-- creates the event trigger that calls this; citus_prepare_drop() drops it.
CREATE FUNCTION convert_internal.citus_drop_guard()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF current_query() ~* '\mdrop\s+extension\M.*\mconvert\M'
       AND cardinality(convert_internal.citus_tables()) > 0 THEN
        RAISE EXCEPTION 'tables of convert are distributed by Citus'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'Dropping the extension now would leave their shards on the workers.',
                  HINT = 'Run SELECT convert.citus_prepare_drop(); first: it drops those tables '
                         'with their shards on every node (and what they hold).';
    END IF;
END
$$;

COMMENT ON FUNCTION convert.citus_distribute() IS
'Distributes the tracking tables on Citus (by visitor_id) and makes the project model reference tables; returns the tables it distributed now';

-- Before DROP EXTENSION convert on Citus: drop the tables Citus holds with
-- their shards on every node (the views over them first), and the guard.
-- What they held is gone, as DROP EXTENSION would do.
CREATE FUNCTION convert.citus_prepare_drop()
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- not Citus' notice per member that the workers keep theirs: the tables
-- are dropped on the workers too
SET client_min_messages = warning
AS $$
DECLARE
    tables constant regclass[] := convert_internal.citus_tables();
    names text[];
    waiting bigint;
    obj regclass;
BEGIN
    IF cardinality(tables) = 0 THEN
        RETURN '{}';
    END IF;
    -- every view reading them, also through other views
    FOR obj IN WITH RECURSIVE readers(view) AS (
                   SELECT r.ev_class FROM pg_catalog.pg_depend AS d
                   JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid
                   WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                     AND d.refobjid = ANY (tables) AND r.ev_class <> d.refobjid
                   UNION
                   SELECT r.ev_class FROM readers
                   JOIN pg_catalog.pg_depend AS d ON d.refobjid = readers.view
                   JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid
                   WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                     AND r.ev_class <> readers.view)
               SELECT readers.view FROM readers
    LOOP
        EXECUTE format('ALTER EXTENSION convert DROP VIEW %s', obj);
    END LOOP;
    FOREACH obj IN ARRAY tables LOOP
        EXECUTE format('ALTER EXTENSION convert DROP TABLE %s', obj);
    END LOOP;
    SELECT array_agg(convert_internal.qualified_name(t.tab) ORDER BY t.n) INTO names
    FROM unnest(tables) WITH ORDINALITY AS t(tab, n);
    EXECUTE 'DROP TABLE ' || array_to_string(names, ', ') || ' CASCADE';
    DROP EVENT TRIGGER IF EXISTS convert_citus_drop_guard;
    -- old copies of moved shards are Citus' to drop, in the background or
    -- by a procedure that cannot run inside this function's transaction
    EXECUTE 'SELECT count(*) FROM pg_catalog.pg_dist_cleanup WHERE object_name LIKE ''convert.%'''
        INTO waiting;
    IF waiting > 0 THEN
        RAISE WARNING '% old copies of shards of convert still wait for Citus'' cleanup', waiting
            USING DETAIL = 'A shard move left them on the node it moved the shards from.',
                  HINT = 'CALL citus_cleanup_orphaned_resources(); drops them now; Citus also does it '
                         'in the background (citus.defer_shard_delete_interval).';
    END IF;
    RETURN names;
END
$$;

COMMENT ON FUNCTION convert.citus_prepare_drop() IS
'On Citus, before DROP EXTENSION convert: drops the tables Citus holds and their shards on every node';

REVOKE ALL ON FUNCTION convert_internal.citus_tracking(),
                       convert_internal.citus_tables(),
                       convert_internal.citus_distribute_table(regclass, text, text),
                       convert_internal.track_store_events_citus(bigint, jsonb, boolean, text),
                       convert_internal.citus_drop_guard(),
                       convert.citus_distribute(),
                       convert.citus_prepare_drop() FROM PUBLIC;
