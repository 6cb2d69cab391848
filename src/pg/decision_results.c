/*
 * decision_results.c — result objects as jsonb (decision_results.h).
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/numeric.h"

#include "decision_results.h"

/* A copy of tmpl whose top-level "bucketingAllocation" is value (slow path). */
static Jsonb *
with_allocation(Jsonb *tmpl, int32 value)
{
	JsonbParseState *st = NULL;
	JsonbIterator *it = JsonbIteratorInit(&tmpl->root);
	JsonbValue	v;
	JsonbValue *res = NULL;
	JsonbIteratorToken tok;
	bool		replace_next = false;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			replace_next = v.val.string.len == 19 &&
				memcmp(v.val.string.val, "bucketingAllocation", 19) == 0;
		if (tok == WJB_VALUE && replace_next)
		{
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(value);
		}
		res = pushJsonbValue(&st, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	return JsonbValueToJsonb(res);
}

/* The jsonb of a variation's result (fresh or stored), built once per
 * cache. */
static Jsonb *
template_of(DecisionCache *cache, uint32 var, bool fresh)
{
	Jsonb	  **slot = fresh ? &cache->fresh[var] : &cache->stored[var];

	if (*slot == NULL)
	{
		bool		own;
		cv_text		t = cv_config_variation_json(cache->blob, var, fresh, &own);
		Jsonb	   *jb = jsonb_from_utf8(cache->mcxt, t.str, t.len);

		if (fresh)
		{
			JsonbValue *alloc = own ? NULL
				: getKeyJsonValueFromContainer(&jb->root, "bucketingAllocation", 19, NULL);
			MemoryContext old = MemoryContextSwitchTo(cache->mcxt);

			/* A numeric inside the container: remember where, to patch it. */
			cache->alloc_offset[var] = alloc != NULL && alloc->type == jbvNumeric
				? (int32) ((char *) alloc->val.numeric - (char *) jb) : -1;
			cache->fresh_zero[var] = own ? jb : with_allocation(jb, 0);
			MemoryContextSwitchTo(old);
		}
		*slot = jb;
	}
	return *slot;
}

/* A fresh decision's object: the template with the value written in. */
static Jsonb *
fresh_result(DecisionCache *cache, uint32 var, int32 value)
{
	Jsonb	   *tmpl = template_of(cache, var, true);
	int32		off = cache->alloc_offset[var];
	Jsonb	   *result;
	Numeric		num;
	Numeric		template_value;

	if (off < 0)
		return tmpl;			/* the variation's own field wins */
	if (value == 0)
		return cache->fresh_zero[var];
	template_value = (Numeric) ((char *) tmpl + off);
	num = int64_to_numeric(value);
	if (VARSIZE(num) != VARSIZE(template_value))
		return with_allocation(tmpl, value);
	/* 1..9999 are one base-10000 digit: same size, patch in place. */
	result = palloc(VARSIZE(tmpl));
	memcpy(result, tmpl, VARSIZE(tmpl));
	memcpy((char *) result + off, num, VARSIZE(num));
	return result;
}

/* A jsonb string holding s (s needs no escaping). */
static Jsonb *
string_jsonb(const char *s)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
											  CStringGetDatum(psprintf("\"%s\"", s))));
}

Jsonb *
decision_jsonb(DecisionCache *cache, const cv_decision *d)
{
	switch (d->outcome)
	{
		case CV_OUT_VARIATION:
			return d->has_allocation ? fresh_result(cache, d->variation, d->allocation)
				: template_of(cache, d->variation, false);
		case CV_OUT_NOT_DECIDED:
			return cache->not_decided;
		case CV_OUT_RULE_ERROR:
			return string_jsonb(cv_rule_error_text(d->error));
		default:
			return NULL;
	}
}

/* One run_feature(s) entry as jsonb: enabled, disabled or a rule error. */
Jsonb *
feature_entry_jsonb(DecisionCache *cache, const cv_feature_entry *e)
{
	if (e->kind == CV_FEATURE_RULE_ERROR)
		return string_jsonb(cv_rule_error_text(e->error));
	if (e->kind == CV_FEATURE_DISABLED)
	{
		if (cache->disabled[e->index] == NULL)
		{
			cv_text		t = cv_config_feature_disabled_json(cache->blob, e->index);

			cache->disabled[e->index] = jsonb_from_utf8(cache->mcxt, t.str, t.len);
		}
		return cache->disabled[e->index];
	}
	{
		uint32		variants = cv_config_change_variants(cache->blob, e->index);
		uint32		k = Min(e->casts, variants - 1);

		if (cache->entries[e->index] == NULL)
			cache->entries[e->index] = MemoryContextAllocZero(cache->mcxt,
															  sizeof(Jsonb *) * variants);
		if (cache->entries[e->index][k] == NULL)
		{
			cv_text		t = cv_config_feature_entry_json(cache->blob, e->index, k);

			cache->entries[e->index][k] = jsonb_from_utf8(cache->mcxt, t.str, t.len);
		}
		return cache->entries[e->index][k];
	}
}

Jsonb *
feature_fallback_jsonb(DecisionCache *cache, uint32 feature, cv_text key)
{
	StringInfoData buf;
	char	   *server_key = pg_any_to_server(pnstrdup(key.str, key.len), (int) key.len, PG_UTF8);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	if (feature != CV_CONFIG_NONE)
	{
		cv_text		id = cv_config_feature_id_json(cache->blob, feature);
		cv_text		name = cv_config_feature_name_json(cache->blob, feature);

		if (id.len > 0)
			appendStringInfo(&buf, "\"id\":%s,",
							 pg_any_to_server(pnstrdup(id.str, id.len), (int) id.len, PG_UTF8));
		if (name.len > 0)
			appendStringInfo(&buf, "\"name\":%s,",
							 pg_any_to_server(pnstrdup(name.str, name.len), (int) name.len, PG_UTF8));
	}
	appendStringInfoString(&buf, "\"key\":");
	escape_json(&buf, server_key);
	appendStringInfoString(&buf, ",\"status\":\"disabled\"}");
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

Jsonb *
jsonb_array_of(Jsonb **items, int n)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;

	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < n; i++)
	{
		JsonbValue	v;

		v.type = jbvBinary;
		v.val.binary.data = &items[i]->root;
		v.val.binary.len = VARSIZE(items[i]) - VARHDRSZ;
		pushJsonbValue(&st, WJB_ELEM, &v);
	}
	res = pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	return JsonbValueToJsonb(res);
}
