/*
 * track_ids.c — a project's ids for checking a tracking batch; see
 * track_ids.h.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"

#include "track_ids.h"

/* A Convert id as sent ("100349071"); false when the text cannot be one. */
static bool
parse_id(const char *s, int len, int64 *out)
{
	int64		value = 0;

	if (len < 1 || len > 18 || s[0] < '1' || s[0] > '9')
		return false;
	for (int i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		value = value * 10 + (s[i] - '0');
	}
	*out = value;
	return true;
}

TrackIdEntry *
track_ids_find(HTAB *ids, TrackIdKind kind, const char *text, int len)
{
	TrackIdKey	key;

	memset(&key, 0, sizeof(key));
	if (!parse_id(text, len, &key.id))
		return NULL;
	key.kind = kind;
	return hash_search(ids, &key, HASH_FIND, NULL);
}

/*
 * Every id of the project in one query: (kind, id, experience of a
 * variation).  Prepared once per backend; the plan cache replans it when
 * the model tables change.
 */
static const char *const ids_query =
	"SELECT 0, id, 0::bigint FROM convert.experiences WHERE project_id = $1"
	" UNION ALL SELECT 1, id, experience_id FROM convert.variations"
	"  WHERE project_id = $1 AND id IS NOT NULL"
	" UNION ALL SELECT 2, id, 0 FROM convert.goals WHERE project_id = $1"
	" UNION ALL SELECT 3, experience_id, 0 FROM convert.archived_experiences WHERE project_id = $1";

static SPIPlanPtr ids_plan = NULL;

HTAB *
track_ids_load(int64 project_id)
{
	static const TrackIdKind kinds[] = {
		TRACK_ID_EXPERIENCE, TRACK_ID_VARIATION, TRACK_ID_GOAL, TRACK_ID_ARCHIVED
	};
	HASHCTL		ctl;
	HTAB	   *ids;
	Datum		args[1] = {Int64GetDatum(project_id)};

	ctl.keysize = sizeof(TrackIdKey);
	ctl.entrysize = sizeof(TrackIdEntry);
	ctl.hcxt = CurrentMemoryContext;
	ids = hash_create("convert track ids", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (ids_plan == NULL)
	{
		Oid			argtypes[1] = {INT8OID};
		SPIPlanPtr	plan = SPI_prepare(ids_query, 1, argtypes);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the query of a project's ids");
		ids_plan = plan;
	}
	if (SPI_execute_plan(ids_plan, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the ids of project " INT64_FORMAT, project_id);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		TrackIdKey	key;
		TrackIdEntry *entry;

		memset(&key, 0, sizeof(key));
		key.kind = kinds[DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull))];
		key.id = DatumGetInt64(SPI_getbinval(row, desc, 2, &isnull));
		entry = hash_search(ids, &key, HASH_ENTER, NULL);
		entry->experience_id = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
	}
	SPI_finish();
	return ids;
}
