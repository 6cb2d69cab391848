/*
 * analysis_groups.c — (variation, dimension value) pairs numbered for the
 * tally (see analysis_groups.h).
 *
 * Pairs are looked up by a key "variation=value" (or "variation-" for
 * visitors without a value) in a dynahash table.
 */
#include "postgres.h"

#include "analysis_groups.h"

#define KEY_BYTES (ANALYSIS_MAX_VALUE + 32)

typedef struct GroupEntry
{
	char		key[KEY_BYTES];
	int64		group;
} GroupEntry;

typedef struct GroupPair
{
	int64		variation_id;
	char	   *value;			/* NULL: no value */
} GroupPair;

struct AnalysisGroups
{
	HTAB	   *table;
	GroupPair  *pairs;
	int64		count;
	MemoryContext context;
};

/* An empty table of (variation, dimension value) groups in context. */
AnalysisGroups *
analysis_groups_create(MemoryContext context)
{
	AnalysisGroups *g = MemoryContextAllocZero(context, sizeof(AnalysisGroups));
	HASHCTL		ctl = {0};

	ctl.keysize = KEY_BYTES;
	ctl.entrysize = sizeof(GroupEntry);
	ctl.hcxt = context;
	g->table = hash_create("analysis groups", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	g->pairs = MemoryContextAlloc(context, sizeof(GroupPair) * ANALYSIS_MAX_GROUPS);
	g->context = context;
	return g;
}

int64
analysis_group(AnalysisGroups *g, int64 variation_id, const char *value, size_t len)
{
	char		key[KEY_BYTES];
	GroupEntry *entry;
	bool		found;

	if (value != NULL && len > ANALYSIS_MAX_VALUE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("dimension value \"%.*s...\" is longer than %d bytes",
						(int) Min(len, 100), value, ANALYSIS_MAX_VALUE),
				 errhint("Break results down by a segment with short values.")));
	/* "-" marks no value, "=" a value, so that neither can pass for the other */
	if (value == NULL)
		snprintf(key, sizeof(key), INT64_FORMAT "-", variation_id);
	else
		snprintf(key, sizeof(key), INT64_FORMAT "=%.*s", variation_id, (int) len, value);
	entry = hash_search(g->table, key, HASH_ENTER, &found);
	if (found)
		return entry->group;
	if (g->count >= ANALYSIS_MAX_GROUPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many dimension values to break results down by"),
				 errdetail("At most %d pairs of variation and value.", ANALYSIS_MAX_GROUPS),
				 errhint("Break results down by a segment with fewer values.")));
	entry->group = g->count;
	g->pairs[g->count].variation_id = variation_id;
	g->pairs[g->count].value = value == NULL ? NULL
		: MemoryContextStrdup(g->context, key + strlen(key) - len);
	return g->count++;
}

void
analysis_group_pair(const AnalysisGroups *g, int64 group, int64 *variation_id,
					const char **value)
{
	Assert(group >= 0 && group < g->count);
	*variation_id = g->pairs[group].variation_id;
	*value = g->pairs[group].value;
}
