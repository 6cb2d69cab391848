-- Demo data for `make demo`: a table of visitors to bucket.
CREATE TABLE public.demo_visitors AS
SELECT 'visitor-' || g AS visitor_id FROM generate_series(1, 10000) AS g;
