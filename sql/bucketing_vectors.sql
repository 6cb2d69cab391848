-- The SDK repository's 59 cross-SDK bucketing vectors
-- (test/fixtures/cross-sdk-bucketing-vectors.json): every one must pass.
\getenv abs_srcdir PG_ABS_SRCDIR
\set vectors_file :abs_srcdir '/test/fixtures/cross-sdk-bucketing-vectors.json'
\set vectors `cat :'vectors_file'`

CREATE TEMP TABLE vectors AS
SELECT ordinality AS n, v->>'description' AS description, v->>'experienceId' AS experience_id,
       v->>'visitorId' AS visitor_id, (v->>'version')::int AS version,
       v->'variations' AS variations, v->>'expected' AS expected
FROM jsonb_array_elements(:'vectors'::jsonb) WITH ORDINALITY AS t(v, ordinality);

SELECT count(*) AS vectors,
       count(*) FILTER (WHERE convert.select_variation(variations, experience_id, visitor_id, version)
                        IS NOT DISTINCT FROM expected) AS passing
FROM vectors;

-- Any failing vector, with its description (no rows expected)
SELECT n, description, expected,
       convert.select_variation(variations, experience_id, visitor_id, version) AS got
FROM vectors
WHERE convert.select_variation(variations, experience_id, visitor_id, version)
      IS DISTINCT FROM expected
ORDER BY n;
