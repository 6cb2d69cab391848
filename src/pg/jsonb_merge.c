/*
 * jsonb_merge.c — objectDeepMerge on jsonb (jsonb_merge.h).
 *
 * JavaScript detail reproduced: arrays count as objects, so an array
 * merged with an object becomes an object keyed "0", "1", ...; two arrays
 * are unioned with Set semantics, where only equal scalars (SameValueZero)
 * are duplicates.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "jsonb_merge.h"

static JsonbValue *push_merged(JsonbParseState **st, JsonbContainer *base,
							   JsonbContainer *over);

static void
push_value(JsonbParseState **st, JsonbIteratorToken tok, JsonbValue *v)
{
	/* pushJsonbValue unpacks containers (jbvBinary) element by element. */
	pushJsonbValue(st, tok, v);
}

static bool
same_scalar(JsonbValue *a, JsonbValue *b)
{
	if (a->type != b->type || a->type == jbvBinary)
		return false;
	switch (a->type)
	{
		case jbvNull:
			return true;
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0;
		case jbvNumeric:
			return DatumGetBool(DirectFunctionCall2(numeric_eq,
													NumericGetDatum(a->val.numeric),
													NumericGetDatum(b->val.numeric)));
		default:
			return false;
	}
}

/* [...new Set([...over, ...base])] */
static void
push_union(JsonbParseState **st, JsonbContainer *base, JsonbContainer *over)
{
	uint32		nb = JsonContainerSize(base);
	uint32		no = JsonContainerSize(over);
	JsonbValue **all = palloc(sizeof(JsonbValue *) * Max(nb + no, 1));
	uint32		n = 0;

	for (uint32 i = 0; i < no + nb; i++)
	{
		JsonbValue *e = i < no ? getIthJsonbValueFromContainer(over, i)
			: getIthJsonbValueFromContainer(base, i - no);
		bool		dup = false;

		for (uint32 j = 0; j < n && !dup; j++)
			dup = same_scalar(all[j], e);
		if (!dup)
			all[n++] = e;
	}
	pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (uint32 i = 0; i < n; i++)
		push_value(st, WJB_ELEM, all[i]);
	pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/* Member i of a container as a key/value pair ("0", "1", ... for arrays). */
static void
member_at(JsonbContainer *c, uint32 i, JsonbValue *key, JsonbValue *value)
{
	if (JsonContainerIsArray(c))
	{
		char	   *name = psprintf("%u", i);

		key->type = jbvString;
		key->val.string.val = name;
		key->val.string.len = strlen(name);
		*value = *getIthJsonbValueFromContainer(c, i);
		return;
	}
	{
		/* Object members: keys are stored first, then values. */
		JsonbIterator *it = JsonbIteratorInit(c);
		JsonbValue	v;
		JsonbIteratorToken tok;
		uint32		k = 0;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok != WJB_KEY)
				continue;
			if (k++ == i)
			{
				*key = v;
				JsonbIteratorNext(&it, value, true);
				return;
			}
		}
	}
}

static JsonbValue *
lookup(JsonbContainer *c, JsonbValue *key)
{
	if (JsonContainerIsArray(c))
		return NULL;
	return getKeyJsonValueFromContainer(c, key->val.string.val, key->val.string.len, NULL);
}

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
		push_value(st, WJB_VALUE, over_value);
}

/* Returns the finished object when it is the outermost one. */
static JsonbValue *
push_merged(JsonbParseState **st, JsonbContainer *base, JsonbContainer *over)
{
	uint32		nb = JsonContainerSize(base);
	uint32		no = JsonContainerSize(over);

	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	for (uint32 i = 0; i < nb; i++)
	{
		JsonbValue	key;
		JsonbValue	value;

		member_at(base, i, &key, &value);
		if (JsonContainerIsArray(over) ? false : lookup(over, &key) != NULL)
			continue;			/* replaced or merged below */
		pushJsonbValue(st, WJB_KEY, &key);
		push_value(st, WJB_VALUE, &value);
	}
	for (uint32 i = 0; i < no; i++)
	{
		JsonbValue	key;
		JsonbValue	value;

		member_at(over, i, &key, &value);
		push_member(st, &key, lookup(base, &key), &value);
	}
	return pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

Jsonb *
jsonb_deep_merge(JsonbContainer *base, JsonbContainer *over)
{
	JsonbParseState *st = NULL;

	return JsonbValueToJsonb(push_merged(&st, base, over));
}
