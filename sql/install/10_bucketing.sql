-- Hashing and bucketing, bit for bit as the official Convert SDK computes them.

CREATE FUNCTION convert.murmurhash3(value text, seed bigint DEFAULT 9999)
RETURNS bigint
AS 'MODULE_PATHNAME', 'convert_murmurhash3'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION convert.murmurhash3(text, bigint) IS
'MurmurHash3 x86 32-bit of the UTF-8 bytes of value, as an unsigned integer; the seed is taken modulo 2^32';

CREATE FUNCTION convert.bucket_value(visitor_id text, experience_id text DEFAULT '',
                                     seed bigint DEFAULT 9999, max_traffic int DEFAULT 10000)
RETURNS int
AS 'MODULE_PATHNAME', 'convert_bucket_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION convert.bucket_value(text, text, bigint, int) IS
'The SDK''s bucket value (0..max_traffic-1) of experience_id followed by visitor_id';

CREATE FUNCTION convert.select_variation(variations jsonb, experience_id text, visitor_id text,
                                         version int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'convert_select_variation'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION convert.select_variation(jsonb, text, text, int) IS
'Variation id the SDK buckets visitor_id into (packed layout, or anchored when version > 11), or NULL when none';
