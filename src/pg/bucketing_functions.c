/*
 * bucketing_functions.c — SQL entry points for hashing and bucketing:
 * convert.murmurhash3, convert.bucket_value and convert.select_variation.
 *
 * These are the hot path of warehouse backfills, so they avoid building the
 * concatenated hash input and reuse the laid-out variations across rows.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "bucketing/bucketing.h"
#include "bucketing/murmurhash3.h"
#include "utf8_text.h"
#include "variations_jsonb.h"

PG_FUNCTION_INFO_V1(convert_murmurhash3);
PG_FUNCTION_INFO_V1(convert_bucket_value);
PG_FUNCTION_INFO_V1(convert_select_variation);

/* The SDK's seed goes through 32-bit bitwise operators: keep the low bits. */
static uint32
seed_from_int8(int64 seed)
{
	return (uint32) (uint64) seed;
}

/* The SDK's `max_traffic || 10000`; a negative scale has no meaning. */
static int32
checked_max_traffic(int32 max_traffic)
{
	if (max_traffic < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_traffic must not be negative"),
				 errdetail("max_traffic was %d.", max_traffic),
				 errhint("Use the SDK's bucketing.max_traffic, 10000 by default.")));
	return max_traffic == 0 ? CV_DEFAULT_MAX_TRAFFIC : max_traffic;
}

/* The SDK's bucket of a visitor, both ids hashed as UTF-8 whatever the
 * database encoding. */
static int32
bucket_value_of(text *experience_id, text *visitor_id, uint32 seed,
				int32 max_traffic)
{
	Utf8Bytes	exp = text_utf8_bytes(experience_id);
	Utf8Bytes	vis = text_utf8_bytes(visitor_id);

	return cv_bucket_value(exp.data, exp.len, vis.data, vis.len,
						   seed, max_traffic);
}

/* convert.murmurhash3(value text, seed bigint) -> bigint (unsigned 32-bit) */
Datum
convert_murmurhash3(PG_FUNCTION_ARGS)
{
	Utf8Bytes	value = text_utf8_bytes(PG_GETARG_TEXT_PP(0));
	uint32		seed = seed_from_int8(PG_GETARG_INT64(1));

	PG_RETURN_INT64((int64) cv_murmur3_32(value.data, value.len, seed));
}

/*
 * convert.bucket_value(visitor_id text, experience_id text, seed bigint,
 *                      max_traffic int) -> int
 */
Datum
convert_bucket_value(PG_FUNCTION_ARGS)
{
	text	   *visitor_id = PG_GETARG_TEXT_PP(0);
	text	   *experience_id = PG_GETARG_TEXT_PP(1);
	uint32		seed = seed_from_int8(PG_GETARG_INT64(2));
	int32		max_traffic = checked_max_traffic(PG_GETARG_INT32(3));

	PG_RETURN_INT32(bucket_value_of(experience_id, visitor_id, seed, max_traffic));
}

/*
 * convert.select_variation(variations jsonb, experience_id text,
 *                          visitor_id text, version int) -> text
 *
 * Not STRICT: a NULL version means the experience has no version, which
 * the SDK treats as the packed layout.  NULL in any other argument gives
 * NULL, as a strict function would.
 */
Datum
convert_select_variation(PG_FUNCTION_ARGS)
{
	Jsonb	   *variations;
	cv_layout	layout = CV_LAYOUT_PACKED;
	VariationLayout *vl;
	int32		value;
	long		chosen;
	const cv_variation *v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(3))
		layout = cv_layout_for_version((double) PG_GETARG_INT32(3));

	variations = PG_GETARG_JSONB_P(0);
	vl = variation_layout_cached(fcinfo, variations, layout);
	value = bucket_value_of(PG_GETARG_TEXT_PP(1), PG_GETARG_TEXT_PP(2),
							CV_DEFAULT_HASH_SEED, CV_DEFAULT_MAX_TRAFFIC);

	chosen = cv_select_range(vl->ranges, vl->nranges, (double) value);
	if (chosen < 0)
		PG_RETURN_NULL();
	v = &vl->variations[chosen];
	PG_RETURN_TEXT_P(utf8_bytes_to_text(v->id, v->id_len));
}
