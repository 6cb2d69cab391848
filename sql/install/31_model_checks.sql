-- Model checks that span rows: run at commit, so that a transaction may
-- rebalance an experience's variations one row at a time.

CREATE FUNCTION convert_internal.check_traffic_allocation()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    total numeric;
BEGIN
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
