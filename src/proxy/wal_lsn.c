/* wal_lsn.c — Reading a WAL position from a query (wal_lsn.h). */
#include "wal_lsn.h"

#include <inttypes.h>
#include <stdio.h>

/* A pg_lsn's text (hex/hex) as a 64-bit WAL position. */
static bool
parse_lsn(const char *s, uint64_t *out)
{
	unsigned hi, lo;
	char end;

	if (sscanf(s, "%X/%X%c", &hi, &lo, &end) != 2)
		return false;
	*out = ((uint64_t) hi << 32) | lo;
	return true;
}

bool
query_lsn(PGconn *pg, const char *sql, uint64_t *out)
{
	PGresult *r = PQexec(pg, sql);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;

	if (ok && PQgetisnull(r, 0, 0))
		*out = UINT64_MAX;
	else if (ok)
		ok = parse_lsn(PQgetvalue(r, 0, 0), out);
	PQclear(r);
	return ok;
}
