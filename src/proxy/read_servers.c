/* read_servers.c — Read servers (read_servers.h): round robin over the
 * standbys that are up and caught up, and the monitor thread that watches
 * their replay. */
#include "read_servers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wal_lsn.h"

/* A read server that could not be reached is not tried again before this
 * long; meanwhile its share of the reads goes to the others. */
#define DOWN_MS 1000
/* How often the monitor asks every server for its WAL position. */
#define MONITOR_MS 200

struct read_server
{
	struct pool *pool;
	const char *conninfo;
	PGconn *watch; /* the monitor's connection */
	atomic_llong down_until_ms;
	_Atomic uint64_t replayed; /* WAL replayed, as last seen; 0 unknown */
	atomic_bool too_far;	   /* more than --max-lag-bytes behind */
	char name[16];
};

struct read_servers
{
	struct pool *primary;
	const char *primary_conninfo;
	PGconn *primary_watch;
	struct read_server *servers;
	int n;
	atomic_uint next;
	_Atomic uint64_t barrier;	/* WAL a read server must have replayed */
	unsigned long long max_lag; /* bytes, 0 = any */
	pthread_t monitor;
	bool monitoring;
	atomic_bool stop;
};

struct read_servers *
reads_create(const struct proxy_settings *s, struct pool *primary)
{
	struct read_servers *rs = calloc(1, sizeof *rs);

	if (rs == NULL)
		return NULL;
	rs->primary = primary;
	rs->servers = calloc((size_t) s->n_read_db + 1, sizeof *rs->servers);
	if (rs->servers == NULL)
	{
		free(rs);
		return NULL;
	}
	for (; rs->n < s->n_read_db; rs->n++)
	{
		struct read_server *r = &rs->servers[rs->n];

		r->pool = pool_create(s->read_db[rs->n], s->pool_size, s->queue_size,
							  s->queue_timeout_ms, s->statement_timeout_ms,
							  s->pgbouncer);
		if (r->pool == NULL)
		{
			reads_destroy(rs);
			return NULL;
		}
		r->conninfo = s->read_db[rs->n];
		atomic_init(&r->down_until_ms, 0);
		atomic_init(&r->replayed, 0);
		atomic_init(&r->too_far, false);
		snprintf(r->name, sizeof r->name, "read%d", rs->n + 1);
	}
	rs->primary_conninfo = s->conninfo;
	rs->max_lag = (unsigned long long) s->max_lag_bytes;
	atomic_init(&rs->next, 0);
	atomic_init(&rs->barrier, 0);
	atomic_init(&rs->stop, false);
	return rs;
}

void
reads_destroy(struct read_servers *rs)
{
	if (rs == NULL)
		return;
	if (rs->monitoring)
	{
		atomic_store(&rs->stop, true);
		pthread_join(rs->monitor, NULL);
	}
	if (rs->primary_watch != NULL)
		PQfinish(rs->primary_watch);
	for (int i = 0; i < rs->n; i++)
	{
		pool_destroy(rs->servers[i].pool);
		if (rs->servers[i].watch != NULL)
			PQfinish(rs->servers[i].watch);
	}
	free(rs->servers);
	free(rs);
}

int
reads_warm(struct read_servers *rs)
{
	int up = 0;

	for (int i = 0; i < rs->n; i++)
		up += pool_warm(rs->servers[i].pool) > 0 ? 1 : 0;
	return up;
}

/* One WAL position from the server of *pg, connecting first when needed;
 * a failed query drops the connection, the next round reconnects. */
static bool
watch_query(PGconn **pg, const char *conninfo, const char *sql, uint64_t *out)
{
	if (*pg == NULL)
		*pg = connect_with(conninfo, "convert-proxy monitor");
	if (*pg == NULL)
		return false;
	if (query_lsn(*pg, sql, out))
		return true;
	PQfinish(*pg);
	*pg = NULL;
	return false;
}

/* Refresh one read server's replay position and whether it lags too far;
 * one that does not answer is left out for DOWN_MS. */
static void
check_server(struct read_servers *rs, struct read_server *r, bool have_head,
			 uint64_t head)
{
	uint64_t lsn;

	if (!watch_query(&r->watch, r->conninfo,
					 "SELECT pg_catalog.pg_last_wal_replay_lsn()", &lsn))
	{
		atomic_store(&r->replayed, 0);
		atomic_store(&r->down_until_ms, now_ms() + DOWN_MS);
		return;
	}
	atomic_store(&r->replayed, lsn);
	atomic_store(&r->too_far, rs->max_lag > 0 && have_head && head > lsn &&
								  head - lsn > rs->max_lag);
}

/* One round of the monitor: the primary's insert position, then every read
 * server's replay position. */
static void
monitor_round(struct read_servers *rs)
{
	uint64_t head = 0;
	bool have_head =
		watch_query(&rs->primary_watch, rs->primary_conninfo,
					"SELECT pg_catalog.pg_current_wal_insert_lsn()", &head);

	for (int i = 0; i < rs->n && !atomic_load(&rs->stop); i++)
		check_server(rs, &rs->servers[i], have_head, head);
}

/* The monitor thread: a round every MONITOR_MS until stopped. */
static void *
monitor_main(void *arg)
{
	struct read_servers *rs = arg;
	struct timespec tick = {0, MONITOR_MS * 1000000L};

	while (!atomic_load(&rs->stop))
	{
		nanosleep(&tick, NULL);
		monitor_round(rs);
	}
	return NULL;
}

/* The first round runs here, so serving starts with every server's
 * position known. */
bool
reads_monitor_start(struct read_servers *rs)
{
	if (rs->n == 0)
		return true;
	monitor_round(rs);
	rs->monitoring = pthread_create(&rs->monitor, NULL, monitor_main, rs) == 0;
	return rs->monitoring;
}

void
reads_raise_barrier(struct read_servers *rs, uint64_t lsn)
{
	uint64_t cur = atomic_load(&rs->barrier);

	while (cur < lsn && !atomic_compare_exchange_weak(&rs->barrier, &cur, lsn))
		;
}

/* Up, not too far behind, and past every change notified so far.  The
 * replay position was read before this read's snapshot is taken, so the
 * snapshot holds everything up to it. */
static bool
usable(const struct read_servers *rs, struct read_server *r, long long t)
{
	return atomic_load(&r->down_until_ms) <= t && !atomic_load(&r->too_far) &&
		   atomic_load(&r->replayed) >= atomic_load(&rs->barrier);
}

/* The server itself is gone or refusing work (not the request's fault):
 * leave it out for a while. */
static bool
server_unreachable(const struct db_result *r)
{
	return strcmp(r->sqlstate, "DOWN") == 0 ||
		   strcmp(r->sqlstate, "CONN") == 0 ||
		   strncmp(r->sqlstate, "08", 2) == 0 ||
		   strncmp(r->sqlstate, "57P", 3) == 0 ||
		   strcmp(r->sqlstate, "53300") == 0;
}

/* Answers the primary may give differently: any 503 (down, busy, timed
 * out) and a standby's query cancelled by a recovery conflict (40001). */
static bool
ask_primary_instead(const struct db_result *r)
{
	return r->status == 503 || strcmp(r->sqlstate, "40001") == 0;
}

/* Try server r; true when its answer is final. */
static bool
try_server(struct read_server *r, enum stmt_id id, const char *const *params,
		   struct db_result *out)
{
	db_call(r->pool, id, params, true, out);
	if (!ask_primary_instead(out))
	{
		out->source = r->name;
		return true;
	}
	if (server_unreachable(out))
		atomic_store(&r->down_until_ms, now_ms() + DOWN_MS);
	db_result_free(out);
	return false;
}

void
db_read(struct read_servers *rs, enum stmt_id id, const char *const *params,
		struct db_result *out)
{
	unsigned start = rs->n > 0 ? atomic_fetch_add(&rs->next, 1) : 0;
	long long t = now_ms();

	for (int i = 0; i < rs->n; i++)
	{
		struct read_server *r =
			&rs->servers[(start + (unsigned) i) % (unsigned) rs->n];

		if (!usable(rs, r, t))
			continue;
		if (try_server(r, id, params, out))
			return;
	}
	db_call(rs->primary, id, params, true, out);
	out->source = rs->n > 0 ? "primary" : NULL;
}
