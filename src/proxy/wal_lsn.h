/* WAL positions (pg_lsn) as PostgreSQL prints them, "16/B374D848". */
#ifndef CONVERT_PROXY_WAL_LSN_H
#define CONVERT_PROXY_WAL_LSN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Run sql, a query of one pg_lsn value, on pg.  Returns false when it
 * failed; a NULL answer (a server not in recovery asked for its replay
 * position) gives UINT64_MAX: such a server is never behind. */
bool query_lsn(PGconn *pg, const char *sql, uint64_t *out);

#endif
