/* dbcall.c — Calling the SQL contract functions (dbcall.h) and turning
 * their outcome into an HTTP status and body. */
#include "dbcall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "responses.h"

struct stmt_def
{
	const char *name;
	const char *sql;
	int nparams;
};

/* Every statement is fixed text; request data only ever travels as
 * parameters.  Results are cast to text so the bytes are passed through.
 * The {account_id}/{project_id} routes need no statements of their own:
 * the path is an SDK key first (docs/serving.md), and the key functions fall
 * back to the account/project form themselves. */
static const struct stmt_def STMTS[ST_COUNT] = {
	[ST_HEALTH] = {"convert_proxy_health", "SELECT '{\"status\":\"ok\"}'", 0},
	[ST_CONFIG_KEY] =
		{"convert_proxy_config_key",
		 "SELECT convert.project_config_by_sdk_key($1::text, $2::text, "
		 "$3::text, $4::text)::text",
		 4},
	/* The same, with the key's environment list for the config cache, as
	 * "<bytes>:<name>" repeated (env_list.h): no quoting to undo. */
	[ST_CONFIG_KEY_ENVS] =
		{"convert_proxy_config_key_envs",
		 "SELECT convert.project_config_by_sdk_key($1::text, $2::text, "
		 "$3::text, $4::text)::text, "
		 "coalesce((SELECT pg_catalog.string_agg("
		 "pg_catalog.octet_length(e)::text || ':' || e, '') "
		 "FROM pg_catalog.unnest(convert.config_environments($1::text)) AS "
		 "e), "
		 "'')",
		 4},
	[ST_CONFIG_BASIC] =
		{"convert_proxy_config_basic",
		 "SELECT convert.project_config_basic($1::bigint, $2::bigint)::text",
		 2},
	[ST_TRACK_KEY] =
		{"convert_proxy_track_key",
		 "SELECT convert.track($1::text, $2::json, $3::text)::text", 3},
};

/* Make out a JSON error answer of the given status. */
static void
set_error(struct db_result *out, int status, const char *msg)
{
	out->status = status;
	out->body = json_error_body(status, msg, &out->len);
}

/* PTnnn (PostgREST's convention) is the function telling us the status. */
static int
pt_status(const char *state)
{
	if (state[0] != 'P' || state[1] != 'T')
		return 0;
	for (int i = 2; i < 5; i++)
		if (state[i] < '0' || state[i] > '9')
			return 0;
	int n = atoi(state + 2);
	return n >= 100 && n <= 599 ? n : 0;
}

/* Request data the server could not take as the parameter's type (a body
 * that is not JSON, invalid UTF-8, a NUL escape) is the client's fault. */
static bool
bad_input_state(const char *state)
{
	return strcmp(state, "22P02") == 0 || strcmp(state, "22021") == 0 ||
		   strcmp(state, "22P05") == 0;
}

/* Server shutting down, crash recovery, too many connections: worth
 * retrying later. */
static bool
unavailable_state(const char *state)
{
	return strncmp(state, "57P0", 4) == 0 || strncmp(state, "08", 2) == 0 ||
		   strcmp(state, "53300") == 0;
}

/* The public answer to a failed call: PTnnn gives nnn and its message, bad
 * input 400, an unavailable server 503, anything else 500. */
static void
map_error(const PGresult *r, struct db_result *out)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	int pt;

	snprintf(out->sqlstate, sizeof out->sqlstate, "%s", state ? state : "");
	pt = pt_status(out->sqlstate);
	if (pt != 0)
		set_error(out, pt, msg ? msg : "");
	else if (bad_input_state(out->sqlstate))
		set_error(out, 400, "malformed request data");
	else if (unavailable_state(out->sqlstate))
		set_error(out, 503, "database unavailable");
	else if (strcmp(out->sqlstate, "57014") == 0)
		set_error(out, 503, "database timeout");
	else
		set_error(out, 500, "internal error");
}

/* The one value a call returns becomes the answer's body; no row or NULL is
 * an internal error. */
static void
take_value(const PGresult *r, struct db_result *out)
{
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
	{
		snprintf(out->sqlstate, sizeof out->sqlstate, "NULL");
		set_error(out, 500, "internal error");
		return;
	}
	out->len = (size_t) PQgetlength(r, 0, 0);
	out->body = malloc(out->len + 1);
	if (out->body == NULL)
	{
		set_error(out, 500, "internal error");
		return;
	}
	memcpy(out->body, PQgetvalue(r, 0, 0), out->len + 1);
	out->status = 200;
	if (PQnfields(r) > 1 && !PQgetisnull(r, 0, 1))
	{
		out->extra_len = (size_t) PQgetlength(r, 0, 1);
		out->extra = malloc(out->extra_len + 1);
		if (out->extra != NULL)
			memcpy(out->extra, PQgetvalue(r, 0, 1), out->extra_len + 1);
	}
}

/* Statements are prepared on first use per connection, so a route whose
 * function is not installed fails alone, not the whole connection. */
static PGresult *
prepare_once(struct pool_conn *c, enum stmt_id id)
{
	PGresult *r;

	if (c->prepared & (1u << id))
		return NULL;
	r = PQprepare(c->pg, STMTS[id].name, STMTS[id].sql, STMTS[id].nparams,
				  NULL);
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
	{
		c->prepared |= 1u << id;
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Run a statement without result rows; true when it succeeded. */
static bool
command_ok(PGconn *pg, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	return ok;
}

/* Through a transaction-pooling PgBouncer consecutive transactions may
 * land on different server connections: the statement is unnamed (parsed
 * with its call), and the timeout is set for its own transaction only.
 * The call's result is what counts; a failed COMMIT means the connection
 * broke, which the caller sees. */
static PGresult *
exec_session_free(struct pool *p, struct pool_conn *c, enum stmt_id id,
				  const char *const *params)
{
	int timeout = pool_statement_timeout(p);
	char begin[80];
	PGresult *r;

	if (timeout == 0)
		return PQexecParams(c->pg, STMTS[id].sql, STMTS[id].nparams, NULL,
							params, NULL, NULL, 0);
	snprintf(begin, sizeof begin, "BEGIN; SET LOCAL statement_timeout = %d",
			 timeout);
	if (!command_ok(c->pg, begin))
		return NULL;
	r = PQexecParams(c->pg, STMTS[id].sql, STMTS[id].nparams, NULL, params,
					 NULL, NULL, 0);
	if (!command_ok(c->pg, "COMMIT") && PQresultStatus(r) == PGRES_TUPLES_OK)
	{
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Returns false when the connection broke (out untouched). */
static bool
run_on(struct pool *p, struct pool_conn *c, enum stmt_id id,
	   const char *const *params, struct db_result *out)
{
	PGresult *r;

	if (pool_session_free(p))
		r = exec_session_free(p, c, id, params);
	else if ((r = prepare_once(c, id)) == NULL)
		r = PQexecPrepared(c->pg, STMTS[id].name, STMTS[id].nparams, params,
						   NULL, NULL, 0);
	if (r == NULL || PQstatus(c->pg) != CONNECTION_OK)
	{
		PQclear(r);
		pool_discard(c);
		return false;
	}
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		take_value(r, out);
	else
		map_error(r, out);
	PQclear(r);
	return true;
}

/* The answer when no connection could be had: 503, database down or server
 * busy. */
static void
acquire_failed(enum pool_status st, struct db_result *out)
{
	snprintf(out->sqlstate, sizeof out->sqlstate, "%s",
			 st == POOL_DOWN ? "DOWN" : "BUSY");
	set_error(out, 503,
			  st == POOL_DOWN ? "database unavailable" : "server busy");
}

void
db_call(struct pool *p, enum stmt_id id, const char *const *params, bool retry,
		struct db_result *out)
{
	struct pool_conn *c;
	enum pool_status st;

	memset(out, 0, sizeof *out);
	for (int attempt = 0; attempt < (retry ? 2 : 1); attempt++)
	{
		st = pool_acquire(p, &c);
		if (st != POOL_OK)
		{
			acquire_failed(st, out);
			return;
		}
		bool done = run_on(p, c, id, params, out);

		pool_release(p, c);
		if (done)
			return;
	}
	snprintf(out->sqlstate, sizeof out->sqlstate, "CONN");
	set_error(out, 503, "database unavailable");
}

void
db_result_free(struct db_result *r)
{
	free(r->body);
	free(r->extra);
	r->body = NULL;
	r->extra = NULL;
}
