-- Demo data for `make demo`: the SDK's test project (experiences, audiences,
-- segments, goals, features) imported as served, an SDK key with a secret,
-- and a table of visitors to bucket.  Variables: project_file, secret.
\set project `cat :'project_file'`
SELECT convert.import_project((:'project'::json) -> 'data');
SELECT convert.create_sdk_key(10025986, :'secret', 'demo-key');

CREATE TABLE public.demo_visitors AS
SELECT 'visitor-' || g AS visitor_id FROM generate_series(1, 10000) AS g;
