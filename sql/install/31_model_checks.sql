-- Model checks that span rows: run at commit, so that a transaction may
-- rebalance an experience's variations one row at a time.

-- Whether a trigger fired on a worker's copy of a model table.  On Citus
-- (docs/citus.md) the model tables are reference tables: a change runs on
-- every node's placement (named after its table with the shard id
-- appended), and so do the model's triggers; only the coordinator, which
-- keeps the config cache, acts on them.
CREATE FUNCTION convert_internal.fired_on_citus_worker(table_name name)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    on_worker boolean;
BEGIN
    IF table_name !~ '_[0-9]+$' OR NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RETURN false;
    END IF;
    -- the coordinator's group is 0; pg_dist_local_group exists only with Citus
    EXECUTE 'SELECT groupid <> 0 FROM pg_catalog.pg_dist_local_group' INTO STRICT on_worker;
    RETURN on_worker;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.fired_on_citus_worker(name) FROM PUBLIC;

-- SECURITY DEFINER: whoever may write variations may run the check's
-- helpers.
CREATE FUNCTION convert_internal.check_traffic_allocation()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    total pg_catalog.numeric;
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    SELECT sum(v.traffic_allocation) INTO total
    FROM convert.variations v
    WHERE v.project_id = NEW.project_id AND v.experience_id = NEW.experience_id;
    IF total > 100 THEN
        RAISE EXCEPTION 'traffic allocations of experience % add up to more than 100', NEW.experience_id
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The variations of experience %s in project %s add up to %s percent.',
                                  NEW.experience_id, NEW.project_id, total),
                  HINT = 'traffic_allocation is a percentage of the experience''s traffic.';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER variations_traffic_allocation_total
    AFTER INSERT OR UPDATE OF traffic_allocation, experience_id ON convert.variations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION convert_internal.check_traffic_allocation();
