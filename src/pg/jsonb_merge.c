/*
 * jsonb_merge.c — objectDeepMerge on jsonb (jsonb_merge.h).
 *
 * JavaScript detail reproduced: arrays count as objects, so an array
 * merged with an object becomes an object keyed "0", "1", ...; two arrays
 * are unioned with Set semantics, where only equal scalars (SameValueZero)
 * are duplicates.
 *
 * Cost: each container is walked once with an iterator, keys are looked up
 * by binary search, and a union finds repeated scalars by sorting, so a
 * merge takes O(n log n) for n members; it checks for interrupts as it
 * goes and for stack depth as it recurses, so any input can be cancelled.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"

#include "jsonb_merge.h"

static JsonbValue *push_merged(JsonbParseState **st, JsonbContainer *base,
							   JsonbContainer *over);

/* Rank of a scalar's type, so that sorting groups equal values. */
static int
type_rank(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return 0;
		case jbvBool:
			return 1;
		case jbvNumeric:
			return 2;
		case jbvString:
			return 3;
		default:
			return 4;
	}
}

/* A total order on scalars in which SameValueZero-equal ones compare 0. */
static int
compare_scalars(const JsonbValue *a, const JsonbValue *b)
{
	int			ra = type_rank(a),
				rb = type_rank(b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (a->type)
	{
		case jbvBool:
			return (int) a->val.boolean - (int) b->val.boolean;
		case jbvNumeric:
			return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
													 NumericGetDatum(a->val.numeric),
													 NumericGetDatum(b->val.numeric)));
		case jbvString:
			if (a->val.string.len != b->val.string.len)
				return a->val.string.len < b->val.string.len ? -1 : 1;
			return memcmp(a->val.string.val, b->val.string.val, a->val.string.len);
		default:
			return 0;			/* null */
	}
}

/* An element of a union: its value and its position in [...over, ...base]. */
typedef struct UnionItem
{
	JsonbValue	value;
	uint32		pos;
	bool		dup;
} UnionItem;

/* Equal scalars together, earliest position first. */
static int
union_item_cmp(const void *a, const void *b)
{
	const UnionItem *x = *(UnionItem *const *) a;
	const UnionItem *y = *(UnionItem *const *) b;
	int			c = compare_scalars(&x->value, &y->value);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : (x->pos > y->pos ? 1 : 0);
}

/* Append the elements of an array container to items, from *n on. */
static void
collect_elements(JsonbContainer *c, UnionItem *items, uint32 *n)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		CHECK_FOR_INTERRUPTS();
		if (tok != WJB_ELEM)
			continue;
		items[*n].value = v;
		items[*n].pos = *n;
		items[*n].dup = false;
		(*n)++;
	}
}

/* [...new Set([...over, ...base])] */
static void
push_union(JsonbParseState **st, JsonbContainer *base, JsonbContainer *over)
{
	uint32		total = JsonContainerSize(over) + JsonContainerSize(base);
	UnionItem  *items = palloc(sizeof(UnionItem) * Max(total, 1));
	UnionItem **scalars = palloc(sizeof(UnionItem *) * Max(total, 1));
	uint32		n = 0,
				nscalars = 0;

	collect_elements(over, items, &n);
	collect_elements(base, items, &n);
	for (uint32 i = 0; i < n; i++)
		if (items[i].value.type != jbvBinary)	/* containers are never equal */
			scalars[nscalars++] = &items[i];
	qsort(scalars, nscalars, sizeof(UnionItem *), union_item_cmp);
	for (uint32 i = 1; i < nscalars; i++)
	{
		CHECK_FOR_INTERRUPTS();
		scalars[i]->dup = compare_scalars(&scalars[i - 1]->value, &scalars[i]->value) == 0;
	}
	pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (uint32 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!items[i].dup)
			pushJsonbValue(st, WJB_ELEM, &items[i].value);
	}
	pushJsonbValue(st, WJB_END_ARRAY, NULL);
	pfree(scalars);
	pfree(items);
}

/* Walks the members of a container once, arrays as "0", "1", ... */
typedef struct MemberWalk
{
	JsonbIterator *it;
	bool		is_array;
	uint32		index;
} MemberWalk;

/* Start walking the members (or elements) of c. */
static void
member_walk_init(MemberWalk *w, JsonbContainer *c)
{
	w->it = JsonbIteratorInit(c);
	w->is_array = JsonContainerIsArray(c);
	w->index = 0;
}

/* The next member as a key/value pair; false at the end. */
static bool
member_next(MemberWalk *w, JsonbValue *key, JsonbValue *value)
{
	JsonbIteratorToken tok;

	CHECK_FOR_INTERRUPTS();
	while ((tok = JsonbIteratorNext(&w->it, value, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM)
		{
			char	   *name = psprintf("%u", w->index++);

			key->type = jbvString;
			key->val.string.val = name;
			key->val.string.len = strlen(name);
			return true;
		}
		if (tok == WJB_KEY)
		{
			*key = *value;
			JsonbIteratorNext(&w->it, value, true);
			return true;
		}
	}
	return false;
}

/* The value of key in object c; NULL for arrays and absent keys. */
static JsonbValue *
lookup(JsonbContainer *c, JsonbValue *key)
{
	if (JsonContainerIsArray(c))
		return NULL;
	return getKeyJsonValueFromContainer(c, key->val.string.val, key->val.string.len, NULL);
}

/* Push key with over_value merged over base_value (objects merge
 * recursively). */
static void
push_member(JsonbParseState **st, JsonbValue *key, JsonbValue *base_value,
			JsonbValue *over_value)
{
	pushJsonbValue(st, WJB_KEY, key);
	if (base_value != NULL && base_value->type == jbvBinary &&
		over_value->type == jbvBinary)
	{
		JsonbContainer *b = base_value->val.binary.data;
		JsonbContainer *o = over_value->val.binary.data;

		if (JsonContainerIsArray(b) && JsonContainerIsArray(o))
			push_union(st, b, o);
		else
			push_merged(st, b, o);
	}
	else
		pushJsonbValue(st, WJB_VALUE, over_value);	/* unpacks containers */
}

/* Returns the finished object when it is the outermost one. */
static JsonbValue *
push_merged(JsonbParseState **st, JsonbContainer *base, JsonbContainer *over)
{
	MemberWalk	w;
	JsonbValue	key;
	JsonbValue	value;

	check_stack_depth();
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	member_walk_init(&w, base);
	while (member_next(&w, &key, &value))
	{
		if (lookup(over, &key) != NULL)
			continue;			/* replaced or merged below */
		pushJsonbValue(st, WJB_KEY, &key);
		pushJsonbValue(st, WJB_VALUE, &value);
	}
	member_walk_init(&w, over);
	while (member_next(&w, &key, &value))
		push_member(st, &key, lookup(base, &key), &value);
	return pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

Jsonb *
jsonb_deep_merge(JsonbContainer *base, JsonbContainer *over)
{
	JsonbParseState *st = NULL;

	return JsonbValueToJsonb(push_merged(&st, base, over));
}
