/* One SQL function call per request: the statements of the routes
 * (prepared per connection, or unnamed through a transaction-pooling
 * PgBouncer), and the mapping of their outcome onto an HTTP status and
 * body. */
#ifndef CONVERT_PROXY_DBCALL_H
#define CONVERT_PROXY_DBCALL_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"

enum stmt_id
{
	ST_HEALTH,
	ST_CONFIG_KEY,
	ST_CONFIG_KEY_ENVS,
	ST_CONFIG_BASIC,
	ST_TRACK_KEY,
	ST_COUNT
};

struct db_result
{
	int status; /* HTTP status */
	char *body; /* malloc'd JSON text */
	size_t len;
	char sqlstate[6]; /* set when the database raised an error */
	char *extra;	  /* a second column's text, when not NULL */
	size_t extra_len;
	const char *source; /* which server answered (read_servers.h) */
};

/* Run statement id with its text parameters (NULL = SQL NULL).  With
 * retry, a call that failed because the connection broke is repeated once
 * on a fresh connection (for reads; a write may have been applied). */
void db_call(struct pool *p, enum stmt_id id, const char *const *params,
			 bool retry, struct db_result *out);

void db_result_free(struct db_result *r);

#endif
