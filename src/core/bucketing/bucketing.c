/*
 * bucketing.c — bucket values and the packed / anchored variation layouts.
 *
 * Floating-point order of operations follows the SDK exactly (the build
 * uses -ffp-contract=off): the SDK's boundaries are not rounded, so
 * 0.07 * 100 = 7.000000000000001 and value 7 falls in the first arm.
 */
#include "bucketing/bucketing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bucketing/murmurhash3.h"

cv_layout
cv_layout_for_version(double version_number)
{
	return version_number > 11 ? CV_LAYOUT_ANCHORED : CV_LAYOUT_PACKED;
}

/*
 * The SDK computes parseInt(String((hash / 2^32) * max_traffic), 10).  For
 * results below 1e-6 String() switches to exponent notation and parseInt
 * keeps only the leading digit; that quirk is reproduced.
 */
int32_t
cv_scale_hash(uint32_t hash, int32_t max_traffic)
{
	double		scaled;
	char		text[CV_JS_NUMBER_BUFSIZE];

	if (max_traffic == CV_DEFAULT_MAX_TRAFFIC)
		return (int32_t) (((uint64_t) hash * CV_DEFAULT_MAX_TRAFFIC) >> 32);

	scaled = ((double) hash / 4294967296.0) * (double) max_traffic;
	if (scaled >= 1e-6 || scaled == 0)
		return (int32_t) scaled;
	cv_js_number_to_string(scaled, text);
	return text[0] - '0';
}

int32_t
cv_bucket_value(const char *experience_id, size_t experience_len,
				const char *visitor_id, size_t visitor_len,
				uint32_t seed, int32_t max_traffic)
{
	uint32_t	hash = cv_murmur3_32_pair(experience_id, experience_len,
										  visitor_id, visitor_len, seed);

	return cv_scale_hash(hash, max_traffic);
}

/* Status absent/falsy or exactly "running"; any other value stops the arm. */
static bool
status_allows(const cv_variation *v)
{
	const cv_js_scalar *s = &v->status;

	if (!cv_js_truthy(s))
		return true;
	return s->kind == CV_JS_STRING && s->len == 7 &&
		memcmp(s->str, "running", 7) == 0;
}

/* traffic_allocation > 0, or NaN under JS coercion (absent means 100 %). */
static bool
allocation_allows(const cv_variation *v)
{
	double		a = cv_js_to_number(&v->traffic_allocation);

	return a > 0 || isnan(a);
}

/* Does the variation take part in bucketing (status and allocation)? */
static bool
variation_active(const cv_variation *v)
{
	return status_allows(v) && allocation_allows(v);
}

/* Do two variations have the same id bytes? */
static bool
same_id(const cv_variation *a, const cv_variation *b)
{
	return a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0;
}

/* Order of a JS object's own keys: array indexes ascending, then insertion. */
typedef struct packed_key
{
	size_t		first;			/* variation that created the key */
	size_t		last;			/* variation whose weight the key holds */
	bool		is_index;
	uint32_t	index;
	size_t		position;		/* insertion position */
} packed_key;

/* JavaScript's own-key order: array indexes ascending, then other keys in
 * insertion order. */
static int
compare_packed_keys(const void *pa, const void *pb)
{
	const packed_key *a = pa;
	const packed_key *b = pb;

	if (a->is_index != b->is_index)
		return a->is_index ? -1 : 1;
	if (a->is_index && a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return a->position < b->position ? -1 : (a->position > b->position);
}

/*
 * Packed layout: active variations go into a JS object id -> weight (a
 * later duplicate overwrites the weight, the key keeps its place), which is
 * walked in JS key order accumulating weight * 100.
 */
static bool
packed_ranges(const cv_variation *v, size_t n, cv_range *out, size_t *nout)
{
	packed_key *keys = malloc((n > 0 ? n : 1) * sizeof(packed_key));
	size_t		nkeys = 0;
	double		prev = 0;

	if (keys == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
	{
		size_t		k;

		if (!variation_active(&v[i]) || !v[i].id_truthy)
			continue;
		for (k = 0; k < nkeys && !same_id(&v[keys[k].first], &v[i]); k++)
			;
		if (k == nkeys)
		{
			keys[k].first = i;
			keys[k].position = k;
			keys[k].is_index = cv_js_array_index(v[i].id, v[i].id_len,
												 &keys[k].index);
			nkeys++;
		}
		keys[k].last = i;
	}
	qsort(keys, nkeys, sizeof(packed_key), compare_packed_keys);

	for (size_t k = 0; k < nkeys; k++)
	{
		const cv_js_scalar *alloc = &v[keys[k].last].traffic_allocation;
		double		weight = cv_js_truthy(alloc) ? cv_js_to_number(alloc) : 100.0;
		double		width = weight * 100.0 + 0.0;

		out[k].lo = prev;
		prev = prev + width;
		out[k].hi = prev;
		out[k].variation = keys[k].first;
	}
	free(keys);
	*nout = nkeys;
	return true;
}

/*
 * Anchored layout: every variation with an id keeps its allocation as
 * weight; its range starts at its cumulative share of the total and only
 * active variations get a width.
 */
static size_t
anchored_ranges(const cv_variation *v, size_t n, cv_range *out)
{
	double		total = 0;
	double		cum = 0;
	size_t		nout = 0;

	for (size_t i = 0; i < n; i++)
	{
		double		a = cv_js_to_number(&v[i].traffic_allocation);

		if (v[i].id_truthy)
			total = total + (isnan(a) ? 100.0 : a);
	}
	if (!(total > 0))
		return 0;

	for (size_t i = 0; i < n; i++)
	{
		double		a = cv_js_to_number(&v[i].traffic_allocation);
		double		alloc = isnan(a) ? 100.0 : a;
		double		anchor;

		if (!v[i].id_truthy)
			continue;
		anchor = (cum / total) * 10000.0;
		out[nout].lo = anchor;
		out[nout].hi = anchor + (variation_active(&v[i]) ? alloc * 100.0 : 0.0);
		out[nout].variation = i;
		nout++;
		cum = cum + alloc;
	}
	return nout;
}

bool
cv_layout_ranges(const cv_variation *variations, size_t n,
				 cv_layout layout, cv_range *out, size_t *nranges)
{
	if (layout == CV_LAYOUT_ANCHORED)
	{
		*nranges = anchored_ranges(variations, n, out);
		return true;
	}
	return packed_ranges(variations, n, out, nranges);
}

long
cv_select_range(const cv_range *ranges, size_t nranges, double value)
{
	for (size_t i = 0; i < nranges; i++)
	{
		/* NaN bounds (a poisoned packed walk) never match, as in the SDK. */
		if (ranges[i].lo <= value && value < ranges[i].hi)
			return (long) ranges[i].variation;
	}
	return -1;
}
