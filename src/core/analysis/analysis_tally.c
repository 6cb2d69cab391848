/*
 * analysis_tally.c — one pass over an experience's conversions, grouped by
 * visitor (see analysis_tally.h).
 *
 * Layout:
 *   visitors   open addressing, linear probing, entries in place; the key
 *              bytes live in one growing arena and entries hold offsets
 *   slots      one per visitor and goal converted on, chained per visitor
 *              (visitors convert on few goals, so a list beats a table)
 *   totals     per goal, per variation, dense: [goal * arm_count + arm]
 * The tables outgrow the caches by far, so events are queued and looked
 * up in batches whose memory accesses are prefetched a stage ahead.
 */
#include "analysis/analysis_tally.h"

#include <math.h>
#include <string.h>

#include "bucketing/murmurhash3.h"

#define MAX_LOAD_NUMERATOR 7	/* grow beyond 70% full */
#define MAX_LOAD_DENOMINATOR 10
#define MAX_ARMS 65535
#define MAX_GOALS ((uint32_t) INT32_MAX)

typedef struct visitor_entry
{
	uint64_t	key_offset;
	uint32_t	key_len;
	uint32_t	hash;			/* 0 marks an empty bucket */
	int64_t		exposed_at;
	uint32_t	slots;			/* first goal slot + 1; 0 when none */
	uint16_t	arm;
} visitor_entry;

typedef struct goal_slot
{
	uint32_t	next;			/* the visitor's next slot + 1; 0 ends */
	uint32_t	goal;
	uint32_t	plain_events;
	uint32_t	data_events;
	double		revenue;		/* within bounds, for revenue_squares */
	double		pre_revenue;	/* before exposure (lookback), within bounds */
	double		products;		/* within bounds, for products per order */
	uint16_t	arm;			/* the visitor's, so totals need no visitor */
	uint16_t	first_day;		/* first conversion's day after the first
								 * exposure's, + 1 (0: none; saturates) */
	uint32_t	pre_events;		/* conversions before exposure (lookback) */
} goal_slot;

/* The numbers of a conversion's goal data, either of which may be absent. */
typedef struct order_numbers
{
	cv_decimal	value;
	cv_decimal	products;
	bool		has_value;
	bool		has_products;
} order_numbers;

/* An order kept until percentile bounds are known. */
typedef struct pending_order
{
	order_numbers numbers;
	uint32_t	slot;
	bool		pre;			/* before exposure: not part of the percentiles */
} pending_order;

/* A queued event's visitor id, copied into batch_keys. */
typedef struct queued_key
{
	size_t		at;
	uint32_t	len;
	uint32_t	hash;
} queued_key;

/* A conversion waiting for its batch (see flush_conversions). */
typedef struct queued_conversion
{
	queued_key	key;
	size_t		bucket;			/* its visitor's bucket, once looked up */
	int64_t		received_at;
	int64_t		goal_id;
	order_numbers numbers;
	bool		has_goal_data;
} queued_conversion;

/* An exposure waiting for its batch (see flush_exposures). */
typedef struct queued_exposure
{
	queued_key	key;
	int64_t		variation_id;
	int64_t		exposed_at;
} queued_exposure;

#define TALLY_BATCH 32

#define USECS_PER_DAY_ INT64_C(86400000000)
#define MAX_DAYS 65534			/* first_day saturates here */

/* A growing array of fixed-size items. */
typedef struct growing
{
	void	   *items;
	size_t		count;
	size_t		capacity;
} growing;

struct cv_tally
{
	cv_allocator mem;
	visitor_entry *buckets;
	size_t		bucket_mask;	/* capacity - 1; capacity is a power of two */
	size_t		visitor_count;
	growing		keys;			/* char */
	growing		slots;			/* goal_slot */
	growing		arms;			/* int64_t variation ids */
	growing		goals;			/* int64_t goal ids */
	growing		goal_index;		/* uint32_t: goal position + 1 by goal id hash */
	growing		totals;			/* cv_tally_totals, [goal * arm_count + arm] */
	growing		pending;		/* pending_order, with percentile bounds */
	growing		results;		/* cv_tally_totals handed out by finish */
	growing		days;			/* cv_tally_day handed out by cv_tally_daily */
	queued_exposure exposures[TALLY_BATCH];
	size_t		exposure_count;
	queued_conversion conversions[TALLY_BATCH];
	size_t		conversion_count;
	growing		batch_keys;		/* char: the batch's visitor ids */
	cv_bound	low[2];
	cv_bound	high[2];
	int64_t		first_exposure;
	int64_t		lookback;		/* pre-exposure window, microseconds */
	bool		converting;		/* exposures ended */
	bool		defer_orders;
	uint32_t	last_arm;		/* arm lookups hit the same arm in a row */
};

/* Make room for `more` more items; false when out of memory. */
static bool
growing_reserve(const cv_allocator *mem, growing *g, size_t item_size, size_t more)
{
	size_t		need = g->count + more;
	size_t		capacity = g->capacity ? g->capacity : 16;
	void	   *items;

	if (need <= g->capacity)
		return true;
	while (capacity < need)
		capacity *= 2;
	items = g->items ? mem->grow(mem->context, g->items, capacity * item_size)
		: mem->alloc(mem->context, capacity * item_size);
	if (items == NULL)
		return false;
	g->items = items;
	g->capacity = capacity;
	return true;
}

/* Free a growing array and leave it empty. */
static void
growing_free(const cv_allocator *mem, growing *g)
{
	if (g->items)
		mem->release(mem->context, g->items);
	g->items = NULL;
	g->count = g->capacity = 0;
}

/* Hash of a visitor id for the tally's table; never 0, which marks an empty
 * bucket. */
static uint32_t
visitor_hash(const char *id, size_t len)
{
	uint32_t	h = cv_murmur3_32(id, len, 0x5bd1e995);

	return h ? h : 1;
}

/* An empty open-addressing table of capacity (a power of two) visitor
 * buckets. */
static bool
allocate_buckets(cv_tally *t, size_t capacity)
{
	size_t		bytes = capacity * sizeof(visitor_entry);

	t->buckets = t->mem.alloc(t->mem.context, bytes);
	if (t->buckets == NULL)
		return false;
	memset(t->buckets, 0, bytes);
	t->bucket_mask = capacity - 1;
	return true;
}

/* Would the table be too full with this many visitors? */
static bool
over_load(const cv_tally *t, size_t visitors)
{
	return visitors * MAX_LOAD_DENOMINATOR > (t->bucket_mask + 1) * MAX_LOAD_NUMERATOR;
}

cv_tally *
cv_tally_create(const cv_allocator *allocator)
{
	cv_tally   *t = allocator->alloc(allocator->context, sizeof(cv_tally));

	if (t == NULL)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->mem = *allocator;
	t->first_exposure = INT64_MAX;
	if (!allocate_buckets(t, 1024))
	{
		allocator->release(allocator->context, t);
		return NULL;
	}
	return t;
}

void
cv_tally_destroy(cv_tally *t)
{
	if (t == NULL)
		return;
	growing_free(&t->mem, &t->keys);
	growing_free(&t->mem, &t->slots);
	growing_free(&t->mem, &t->arms);
	growing_free(&t->mem, &t->goals);
	growing_free(&t->mem, &t->goal_index);
	growing_free(&t->mem, &t->totals);
	growing_free(&t->mem, &t->pending);
	growing_free(&t->mem, &t->results);
	growing_free(&t->mem, &t->days);
	growing_free(&t->mem, &t->batch_keys);
	t->mem.release(t->mem.context, t->buckets);
	t->mem.release(t->mem.context, t);
}

/* Outlier bounds of one measure; percentile bounds make the tally hold
 * orders back until every order is seen. */
void
cv_tally_set_bounds(cv_tally *t, cv_measure measure, const cv_bound *low, const cv_bound *high)
{
	t->low[measure] = *low;
	t->high[measure] = *high;
	t->defer_orders = false;
	for (int m = 0; m < 2; m++)
		if (t->low[m].kind == CV_BOUND_PERCENTILE || t->high[m].kind == CV_BOUND_PERCENTILE)
			t->defer_orders = true;
}

void
cv_tally_set_lookback(cv_tally *t, int64_t lookback)
{
	t->lookback = lookback > 0 ? lookback : 0;
}

/* The bucket holding the visitor, or the empty bucket where it belongs. */
static visitor_entry *
find_bucket(const cv_tally *t, const char *id, size_t len, uint32_t hash)
{
	const char *keys = t->keys.items;
	size_t		i = hash & t->bucket_mask;

	for (;;)
	{
		visitor_entry *e = &t->buckets[i];

		if (e->hash == 0 ||
			(e->hash == hash && e->key_len == len &&
			 memcmp(keys + e->key_offset, id, len) == 0))
			return e;
		i = (i + 1) & t->bucket_mask;
	}
}

/* Double the table; entries move, keys stay in the arena. */
static bool
grow_buckets(cv_tally *t)
{
	visitor_entry *old = t->buckets;
	size_t		old_capacity = t->bucket_mask + 1;

	if (!allocate_buckets(t, old_capacity * 2))
	{
		t->buckets = old;
		return false;
	}
	for (size_t i = 0; i < old_capacity; i++)
	{
		size_t		j;

		if (old[i].hash == 0)
			continue;
		j = old[i].hash & t->bucket_mask;
		while (t->buckets[j].hash != 0)
			j = (j + 1) & t->bucket_mask;
		t->buckets[j] = old[i];
	}
	t->mem.release(t->mem.context, old);
	return true;
}

cv_tally_status
cv_tally_reserve(cv_tally *t, size_t visitors)
{
	while (over_load(t, visitors))
		if (!grow_buckets(t))
			return CV_TALLY_NO_MEMORY;
	return CV_TALLY_OK;
}

/* The arm's index, added when new. */
static cv_tally_status
arm_index(cv_tally *t, int64_t variation_id, uint16_t *arm)
{
	int64_t    *ids = t->arms.items;

	if (t->last_arm < t->arms.count && ids[t->last_arm] == variation_id)
	{
		*arm = (uint16_t) t->last_arm;
		return CV_TALLY_OK;
	}
	for (size_t i = 0; i < t->arms.count; i++)
		if (ids[i] == variation_id)
		{
			t->last_arm = (uint32_t) i;
			*arm = (uint16_t) i;
			return CV_TALLY_OK;
		}
	if (t->arms.count >= MAX_ARMS)
		return CV_TALLY_TOO_MANY;
	if (!growing_reserve(&t->mem, &t->arms, sizeof(int64_t), 1))
		return CV_TALLY_NO_MEMORY;
	((int64_t *) t->arms.items)[t->arms.count] = variation_id;
	t->last_arm = (uint32_t) t->arms.count;
	*arm = (uint16_t) t->arms.count++;
	return CV_TALLY_OK;
}

/* Add one exposure; its bucket was prefetched by flush_exposures. */
static cv_tally_status
add_exposure(cv_tally *t, const queued_exposure *q)
{
	const char *id = (const char *) t->batch_keys.items + q->key.at;
	visitor_entry *e;
	uint16_t	arm;
	cv_tally_status status;

	if (over_load(t, t->visitor_count + 1) && !grow_buckets(t))
		return CV_TALLY_NO_MEMORY;
	e = find_bucket(t, id, q->key.len, q->key.hash);
	if (e->hash != 0)
		return CV_TALLY_OK;		/* the first exposure stands */
	if ((status = arm_index(t, q->variation_id, &arm)) != CV_TALLY_OK)
		return status;
	if (!growing_reserve(&t->mem, &t->keys, 1, q->key.len))
		return CV_TALLY_NO_MEMORY;
	memcpy((char *) t->keys.items + t->keys.count, id, q->key.len);
	e->key_offset = t->keys.count;
	e->key_len = q->key.len;
	e->hash = q->key.hash;
	e->exposed_at = q->exposed_at;
	e->slots = 0;
	e->arm = arm;
	t->keys.count += q->key.len;
	t->visitor_count++;
	if (q->exposed_at < t->first_exposure)
		t->first_exposure = q->exposed_at;
	return CV_TALLY_OK;
}

/* Add the queued exposures, their buckets fetched ahead (see flush_conversions). */
static cv_tally_status
flush_exposures(cv_tally *t)
{
	cv_tally_status status = CV_TALLY_OK;

	for (size_t i = 0; i < t->exposure_count; i++)
		__builtin_prefetch(&t->buckets[t->exposures[i].key.hash & t->bucket_mask]);
	for (size_t i = 0; i < t->exposure_count && status == CV_TALLY_OK; i++)
		status = add_exposure(t, &t->exposures[i]);
	t->exposure_count = 0;
	t->batch_keys.count = 0;
	return status;
}

/* Copy a visitor id into the batch and hash it; false when out of memory. */
static bool
queue_key(cv_tally *t, const char *id, size_t len, queued_key *key)
{
	if (len > UINT32_MAX || !growing_reserve(&t->mem, &t->batch_keys, 1, len))
		return false;
	memcpy((char *) t->batch_keys.items + t->batch_keys.count, id, len);
	key->at = t->batch_keys.count;
	key->len = (uint32_t) len;
	key->hash = visitor_hash(id, len);
	t->batch_keys.count += len;
	return true;
}

cv_tally_status
cv_tally_expose(cv_tally *t, const char *id, size_t len, int64_t variation_id, int64_t exposed_at)
{
	queued_exposure *q = &t->exposures[t->exposure_count];

	if (t->converting)
		return CV_TALLY_LATE_EXPOSURE;
	if (!queue_key(t, id, len, &q->key))
		return CV_TALLY_NO_MEMORY;
	q->variation_id = variation_id;
	q->exposed_at = exposed_at;
	if (++t->exposure_count < TALLY_BATCH)
		return CV_TALLY_OK;
	return flush_exposures(t);
}

cv_tally_status
cv_tally_end_exposures(cv_tally *t, int64_t *first_exposure)
{
	cv_tally_status status = CV_TALLY_OK;

	if (!t->converting)
		status = flush_exposures(t);
	t->converting = true;
	*first_exposure = t->first_exposure;
	return status;
}

/* Fibonacci hashing of a goal id into a table of mask + 1 buckets. */
static size_t
goal_bucket(int64_t goal_id, size_t mask)
{
	return (size_t) (((uint64_t) goal_id * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* Index the newest goal, rebuilding the index at half full. */
static bool
index_new_goal(cv_tally *t)
{
	growing    *g = &t->goal_index;
	int64_t    *ids = t->goals.items;
	size_t		from = t->goals.count - 1;

	if (g->capacity < 2 * t->goals.count)
	{
		size_t		capacity = g->capacity ? g->capacity * 2 : 64;

		growing_free(&t->mem, g);
		if (!growing_reserve(&t->mem, g, sizeof(uint32_t), capacity))
			return false;
		memset(g->items, 0, g->capacity * sizeof(uint32_t));
		from = 0;
	}
	for (size_t goal = from; goal < t->goals.count; goal++)
	{
		uint32_t   *index = g->items;
		size_t		mask = g->capacity - 1;
		size_t		i = goal_bucket(ids[goal], mask);

		while (index[i] != 0)
			i = (i + 1) & mask;
		index[i] = (uint32_t) goal + 1;
	}
	return true;
}

/* The goal's position, added (with zeroed totals) when new. */
static cv_tally_status
goal_position(cv_tally *t, int64_t goal_id, uint32_t *position)
{
	uint32_t   *index = t->goal_index.items;
	int64_t    *ids = t->goals.items;
	size_t		mask = t->goal_index.capacity - 1;
	size_t		i;

	if (index != NULL)
		for (i = goal_bucket(goal_id, mask);
			 index[i] != 0; i = (i + 1) & mask)
			if (ids[index[i] - 1] == goal_id)
			{
				*position = index[i] - 1;
				return CV_TALLY_OK;
			}
	if (t->goals.count >= MAX_GOALS)
		return CV_TALLY_TOO_MANY;
	if (!growing_reserve(&t->mem, &t->goals, sizeof(int64_t), 1) ||
		!growing_reserve(&t->mem, &t->totals, sizeof(cv_tally_totals), t->arms.count))
		return CV_TALLY_NO_MEMORY;
	*position = (uint32_t) t->goals.count;
	((int64_t *) t->goals.items)[t->goals.count++] = goal_id;
	for (size_t arm = 0; arm < t->arms.count; arm++)
	{
		cv_tally_totals *totals = (cv_tally_totals *) t->totals.items + t->totals.count++;

		memset(totals, 0, sizeof(*totals));
		totals->variation_id = ((int64_t *) t->arms.items)[arm];
		totals->goal_id = goal_id;
	}
	return index_new_goal(t) ? CV_TALLY_OK : CV_TALLY_NO_MEMORY;
}

/* The visitor's slot for the goal, added when new; UINT32_MAX when out of memory. */
static uint32_t
visitor_slot(cv_tally *t, visitor_entry *e, uint32_t goal)
{
	goal_slot  *slots = t->slots.items;
	goal_slot  *slot;

	for (uint32_t s = e->slots; s != 0; s = slots[s - 1].next)
		if (slots[s - 1].goal == goal)
			return s - 1;
	if (t->slots.count >= UINT32_MAX - 1 ||
		!growing_reserve(&t->mem, &t->slots, sizeof(goal_slot), 1))
		return UINT32_MAX;
	slot = (goal_slot *) t->slots.items + t->slots.count;
	memset(slot, 0, sizeof(*slot));
	slot->goal = goal;
	slot->arm = e->arm;
	slot->next = e->slots;
	e->slots = (uint32_t) ++t->slots.count;
	return e->slots - 1;
}

/* Is v inside the outlier bounds of measure m given as values? */
static bool
within_bounds(const cv_tally *t, cv_measure m, const cv_decimal *v)
{
	return (t->low[m].kind != CV_BOUND_VALUE || cv_decimal_cmp(v, &t->low[m].value) >= 0) &&
		(t->high[m].kind != CV_BOUND_VALUE || cv_decimal_cmp(v, &t->high[m].value) <= 0);
}

/*
 * Count an order's value and products (bounds known) for the slot's
 * visitor; an order before exposure only adds to the pre-exposure revenue.
 */
static cv_tally_status
count_order(cv_tally *t, uint32_t slot_index, const order_numbers *order, bool pre)
{
	goal_slot  *slot = (goal_slot *) t->slots.items + slot_index;
	cv_tally_totals *totals = (cv_tally_totals *) t->totals.items +
		(size_t) slot->goal * t->arms.count + slot->arm;

	if (pre)
	{
		if (order->has_value && within_bounds(t, CV_MEASURE_ORDER_VALUE, &order->value))
			slot->pre_revenue += (double) cv_decimal_to_long_double(&order->value);
		return CV_TALLY_OK;
	}
	if (order->has_value && within_bounds(t, CV_MEASURE_ORDER_VALUE, &order->value))
	{
		if (!cv_decimal_add(&totals->revenue, &order->value))
			return CV_TALLY_OVERFLOW;
		slot->revenue += (double) cv_decimal_to_long_double(&order->value);
	}
	if (order->has_products && within_bounds(t, CV_MEASURE_PRODUCTS, &order->products))
	{
		if (!cv_decimal_add(&totals->products, &order->products))
			return CV_TALLY_OVERFLOW;
		slot->products += (double) cv_decimal_to_long_double(&order->products);
	}
	return CV_TALLY_OK;
}

/* Keep an order until the percentile bounds are known. */
static cv_tally_status
keep_order(cv_tally *t, uint32_t slot_index, const order_numbers *order, bool pre)
{
	pending_order *kept;

	if (!growing_reserve(&t->mem, &t->pending, sizeof(pending_order), 1))
		return CV_TALLY_NO_MEMORY;
	kept = (pending_order *) t->pending.items + t->pending.count++;
	kept->numbers = *order;
	kept->slot = slot_index;
	kept->pre = pre;
	return CV_TALLY_OK;
}

/* Days since the epoch of a time (floor, also before the epoch). */
static int64_t
day_of(int64_t at)
{
	return at / USECS_PER_DAY_ - (at % USECS_PER_DAY_ < 0);
}

/*
 * The day of a time (a conversion's or an exposure's) counted from the
 * first exposure's, + 1; saturates at MAX_DAYS + 1.
 */
static uint16_t
conversion_day(const cv_tally *t, int64_t at)
{
	int64_t		d = day_of(at) - day_of(t->first_exposure);

	return (uint16_t) (d < 0 ? 1 : d >= MAX_DAYS ? MAX_DAYS + 1 : d + 1);
}

/*
 * Count one conversion of an exposed visitor (e, or NULL when not
 * exposed): after exposure for the experience, within the lookback
 * before it as pre-exposure data.
 */
static cv_tally_status
count_conversion(cv_tally *t, visitor_entry *e, const queued_conversion *q)
{
	uint32_t	goal;
	uint32_t	slot_index;
	goal_slot  *slot;
	cv_tally_status status;
	bool		pre;

	if (e == NULL)
		return CV_TALLY_OK;		/* not exposed: not the experience's */
	pre = q->received_at < e->exposed_at;
	/* before the window: exposed_at - received_at > lookback, without overflow */
	if (pre && (t->lookback == 0 ||
				(uint64_t) e->exposed_at - (uint64_t) q->received_at > (uint64_t) t->lookback))
		return CV_TALLY_OK;
	if ((status = goal_position(t, q->goal_id, &goal)) != CV_TALLY_OK)
		return status;
	if ((slot_index = visitor_slot(t, e, goal)) == UINT32_MAX)
		return CV_TALLY_NO_MEMORY;
	slot = (goal_slot *) t->slots.items + slot_index;
	if (pre)
		slot->pre_events++;
	else
	{
		uint16_t	day = conversion_day(t, q->received_at);

		if (slot->first_day == 0 || day < slot->first_day)
			slot->first_day = day;
		if (q->has_goal_data)
			slot->data_events++;
		else
			slot->plain_events++;
	}
	if (!q->numbers.has_value && !q->numbers.has_products)
		return CV_TALLY_OK;
	return t->defer_orders ? keep_order(t, slot_index, &q->numbers, pre)
		: count_order(t, slot_index, &q->numbers, pre);
}

/*
 * Count the queued conversions.  Each one costs a few cache misses (its
 * bucket, its key, its visitor's slots) in tables far larger than the
 * cache; going over the batch in stages, prefetching what the next stage
 * reads, lets those misses overlap instead of following one another.
 */
static cv_tally_status
flush_conversions(cv_tally *t)
{
	queued_conversion *batch = t->conversions;
	const char *batch_keys = t->batch_keys.items;
	const char *keys = t->keys.items;
	const goal_slot *slots = t->slots.items;
	cv_tally_status status = CV_TALLY_OK;

	for (size_t i = 0; i < t->conversion_count; i++)
		__builtin_prefetch(&t->buckets[batch[i].key.hash & t->bucket_mask]);
	for (size_t i = 0; i < t->conversion_count; i++)
	{
		size_t		b = batch[i].key.hash & t->bucket_mask;

		while (t->buckets[b].hash != 0 && t->buckets[b].hash != batch[i].key.hash)
			b = (b + 1) & t->bucket_mask;
		batch[i].bucket = b;
		if (t->buckets[b].hash != 0)
		{
			__builtin_prefetch(keys + t->buckets[b].key_offset);
			if (t->buckets[b].slots != 0)
				__builtin_prefetch(&slots[t->buckets[b].slots - 1]);
		}
	}
	for (size_t i = 0; i < t->conversion_count && status == CV_TALLY_OK; i++)
	{
		const queued_conversion *q = &batch[i];
		visitor_entry *e = &t->buckets[q->bucket];

		if (e->hash != 0 && (e->key_len != q->key.len ||
							 memcmp(keys + e->key_offset, batch_keys + q->key.at, q->key.len) != 0))
			e = find_bucket(t, batch_keys + q->key.at, q->key.len, q->key.hash);
		status = count_conversion(t, e->hash != 0 ? e : NULL, q);
	}
	t->conversion_count = 0;
	t->batch_keys.count = 0;
	return status;
}

cv_tally_status
cv_tally_convert(cv_tally *t, const char *id, size_t len, int64_t received_at,
				 int64_t goal_id, bool has_goal_data,
				 const cv_decimal *order_value, const cv_decimal *products)
{
	queued_conversion *q = &t->conversions[t->conversion_count];
	int64_t		first_exposure;
	cv_tally_status status;

	if (!t->converting &&
		(status = cv_tally_end_exposures(t, &first_exposure)) != CV_TALLY_OK)
		return status;
	if (!queue_key(t, id, len, &q->key))
		return CV_TALLY_NO_MEMORY;
	q->received_at = received_at;
	q->goal_id = goal_id;
	q->has_goal_data = has_goal_data;
	memset(&q->numbers, 0, sizeof(q->numbers));
	if ((q->numbers.has_value = order_value != NULL))
		q->numbers.value = *order_value;
	if ((q->numbers.has_products = products != NULL))
		q->numbers.products = *products;
	if (++t->conversion_count < TALLY_BATCH)
		return CV_TALLY_OK;
	return flush_conversions(t);
}

/*
 * percentile_disc over values: the first value at or past the fraction
 * percentile/100 of them in order, the position computed as PostgreSQL
 * does.
 */
static void
resolve_percentile(cv_bound *bound, cv_decimal *values, size_t n)
{
	double		rows;

	if (bound->kind != CV_BOUND_PERCENTILE)
		return;
	if (n == 0)
	{
		bound->kind = CV_BOUND_NONE;	/* percentile_disc of nothing is NULL */
		return;
	}
	rows = ceil(bound->percentile / 100 * (double) n);
	if (rows < 1)
		rows = 1;
	if (rows > (double) n)
		rows = (double) n;
	bound->kind = CV_BOUND_VALUE;
	bound->value = cv_decimal_select(values, n, (size_t) rows - 1);
}

/* Replace the measure's percentile bounds by values from the kept orders. */
static cv_tally_status
resolve_percentiles(cv_tally *t, cv_measure m)
{
	const pending_order *orders = t->pending.items;
	cv_decimal *values;
	size_t		n = 0;

	if (t->low[m].kind != CV_BOUND_PERCENTILE && t->high[m].kind != CV_BOUND_PERCENTILE)
		return CV_TALLY_OK;
	values = t->mem.alloc(t->mem.context, (t->pending.count + 1) * sizeof(cv_decimal));
	if (values == NULL)
		return CV_TALLY_NO_MEMORY;
	for (size_t i = 0; i < t->pending.count; i++)
	{
		const order_numbers *o = &orders[i].numbers;

		if (orders[i].pre)
			continue;
		if (m == CV_MEASURE_ORDER_VALUE ? o->has_value : o->has_products)
			values[n++] = m == CV_MEASURE_ORDER_VALUE ? o->value : o->products;
	}
	resolve_percentile(&t->low[m], values, n);
	resolve_percentile(&t->high[m], values, n);
	t->mem.release(t->mem.context, values);
	return CV_TALLY_OK;
}

/* Once percentile bounds are known, count the orders that were held back
 * for them. */
static cv_tally_status
count_kept_orders(cv_tally *t)
{
	const pending_order *orders = t->pending.items;
	cv_tally_status status;

	if ((status = resolve_percentiles(t, CV_MEASURE_ORDER_VALUE)) != CV_TALLY_OK ||
		(status = resolve_percentiles(t, CV_MEASURE_PRODUCTS)) != CV_TALLY_OK)
		return status;
	for (size_t i = 0; i < t->pending.count; i++)
	{
		const pending_order *o = &orders[i];

		status = count_order(t, o->slot, &o->numbers, o->pre);
		if (status != CV_TALLY_OK)
			return status;
	}
	growing_free(&t->mem, &t->pending);
	t->defer_orders = false;
	return CV_TALLY_OK;
}

/*
 * Fold every visitor's slots into its variation's totals per goal: the
 * converting visitors, and the pre-exposure sums of those with a lookback.
 */
static void
count_visitors(cv_tally *t)
{
	const goal_slot *slots = t->slots.items;
	cv_tally_totals *all = t->totals.items;

	for (size_t i = 0; i < t->slots.count; i++)
	{
		const goal_slot *slot = &slots[i];
		cv_tally_totals *totals = &all[(size_t) slot->goal * t->arms.count + slot->arm];
		bool		converted = slot->plain_events > 0 || slot->data_events > 0;

		if (converted)
		{
			double		orders = slot->data_events;

			totals->converting_visitors++;
			totals->conversions += slot->plain_events > slot->data_events
				? slot->plain_events : slot->data_events;
			totals->revenue_squares += slot->revenue * slot->revenue;
			totals->orders += slot->data_events;
			totals->orders_squares += orders * orders;
			totals->products_squares += slot->products * slot->products;
			totals->products_orders += slot->products * orders;
		}
		if (slot->pre_events > 0)
		{
			totals->pre_visitors++;
			totals->both_visitors += converted;
			totals->pre_revenue += slot->pre_revenue;
			totals->pre_revenue_squares += slot->pre_revenue * slot->pre_revenue;
			totals->revenue_cross += slot->pre_revenue * slot->revenue;
		}
	}
}

cv_tally_status
cv_tally_finish(cv_tally *t, const cv_tally_totals **totals, size_t *count)
{
	const cv_tally_totals *all;
	cv_tally_status status;
	int64_t		first_exposure;

	if ((status = cv_tally_end_exposures(t, &first_exposure)) != CV_TALLY_OK ||
		(status = flush_conversions(t)) != CV_TALLY_OK ||
		(t->defer_orders && (status = count_kept_orders(t)) != CV_TALLY_OK))
		return status;
	count_visitors(t);
	all = t->totals.items;		/* the flush may have moved them */
	t->results.count = 0;
	if (!growing_reserve(&t->mem, &t->results, sizeof(cv_tally_totals), t->totals.count + 1))
		return CV_TALLY_NO_MEMORY;
	for (size_t arm = 0; arm < t->arms.count; arm++)
		for (size_t goal = 0; goal < t->goals.count; goal++)
			if (all[goal * t->arms.count + arm].converting_visitors > 0 ||
				all[goal * t->arms.count + arm].pre_visitors > 0)
				((cv_tally_totals *) t->results.items)[t->results.count++] =
					all[goal * t->arms.count + arm];
	*totals = t->results.items;
	*count = t->results.count;
	return CV_TALLY_OK;
}

/* Add n to a [arm][goal][day] histogram of per-day counts. */
static void
histogram_add(int64_t *h, size_t goals, size_t days, size_t arm, size_t goal, size_t day,
			  int64_t n)
{
	h[(arm * goals + goal) * days + day] += n;
}

cv_tally_status
cv_tally_daily(cv_tally *t, const cv_tally_day **out, size_t *count)
{
	size_t		arms = t->arms.count;
	size_t		goals = t->goals.count;
	size_t		days = 1;
	const goal_slot *slots = t->slots.items;
	int64_t    *exposed;
	int64_t    *converted;
	int64_t		first = day_of(t->first_exposure);

	/* the days: to the latest exposure or first conversion */
	for (size_t b = 0; b <= t->bucket_mask; b++)
		if (t->buckets[b].hash != 0 && conversion_day(t, t->buckets[b].exposed_at) > days)
			days = conversion_day(t, t->buckets[b].exposed_at);
	for (size_t i = 0; i < t->slots.count; i++)
		if (slots[i].first_day > days)
			days = slots[i].first_day;
	t->days.count = 0;
	if (arms == 0 || goals == 0)
	{
		*out = t->days.items;
		*count = 0;
		return CV_TALLY_OK;
	}
	exposed = t->mem.alloc(t->mem.context, arms * days * sizeof(int64_t));
	converted = t->mem.alloc(t->mem.context, arms * goals * days * sizeof(int64_t));
	if (exposed == NULL || converted == NULL ||
		!growing_reserve(&t->mem, &t->days, sizeof(cv_tally_day), arms * goals * days))
		return CV_TALLY_NO_MEMORY;
	memset(exposed, 0, arms * days * sizeof(int64_t));
	memset(converted, 0, arms * goals * days * sizeof(int64_t));
	for (size_t b = 0; b <= t->bucket_mask; b++)
		if (t->buckets[b].hash != 0)
			histogram_add(exposed, 1, days, t->buckets[b].arm, 0,
						  conversion_day(t, t->buckets[b].exposed_at) - 1, 1);
	for (size_t i = 0; i < t->slots.count; i++)
		if (slots[i].first_day != 0)
			histogram_add(converted, goals, days, slots[i].arm, slots[i].goal,
						  slots[i].first_day - 1, 1);
	for (size_t arm = 0; arm < arms; arm++)
		for (size_t goal = 0; goal < goals; goal++)
		{
			int64_t		visitors = 0;
			int64_t		converting = 0;

			for (size_t day = 0; day < days; day++)
			{
				cv_tally_day *row = (cv_tally_day *) t->days.items + t->days.count++;

				visitors += exposed[arm * days + day];
				converting += converted[(arm * goals + goal) * days + day];
				row->variation_id = ((int64_t *) t->arms.items)[arm];
				row->goal_id = ((int64_t *) t->goals.items)[goal];
				row->day = first + (int64_t) day;
				row->visitors = visitors;
				row->converting_visitors = converting;
			}
		}
	t->mem.release(t->mem.context, exposed);
	t->mem.release(t->mem.context, converted);
	*out = t->days.items;
	*count = t->days.count;
	return CV_TALLY_OK;
}

void
cv_tally_bounds(const cv_tally *t, cv_measure measure, cv_bound *low, cv_bound *high)
{
	*low = t->low[measure];
	*high = t->high[measure];
}
