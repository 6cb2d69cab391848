/* config_listener.c — The LISTEN thread (config_listener.h) that keeps the
 * config cache and the read servers' barrier in step with the database. */
#include "config_listener.h"

#include "cache_keys.h"
#include "wal_lsn.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often the thread looks at its stop flag. */
#define TICK_MS 200
#define RECONNECT_MS 1000

struct config_listener
{
	pthread_t thread;
	const char *conninfo;
	struct config_cache *cache;
	struct read_servers *reads;
	atomic_bool stop;
	atomic_bool tried; /* the first connection attempt is over */
};

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* What a notification's payload asks to drop (33_config_cache.sql):
 * 'sdk_key:<key>' the entries of one SDK key; 'debug_tokens' nothing, as
 * no answer to a request with a debug token is cached; anything else (a
 * project id, 'sdk_keys') everything. */
static void
apply_notify(struct config_cache *cache, const char *payload)
{
	static const char KEY[] = "sdk_key:";
	char *prefix;

	if (strcmp(payload, "debug_tokens") == 0)
		return;
	if (strncmp(payload, KEY, sizeof KEY - 1) == 0 &&
		(prefix = cache_key_prefix(payload + sizeof KEY - 1)) != NULL)
	{
		cache_drop_prefix(cache, prefix);
		free(prefix);
		return;
	}
	cache_clear(cache);
}

/* Notifications are delivered after their commit, so the insert position
 * read after they arrived is past every commit record they stand for: the
 * barrier is raised to it before the cache entries are dropped, and a
 * request that finds an entry gone also finds the barrier raised.  Those
 * that arrive during the query wait for the next round (and its own
 * position).  Returns false when the connection broke. */
static bool
drain_notifies(struct config_listener *l, PGconn *pg)
{
	PGnotify *batch = NULL, **tail = &batch, *n;
	uint64_t lsn;
	bool ok = true;

	while ((n = PQnotifies(pg)) != NULL)
	{
		n->next = NULL;
		*tail = n;
		tail = &n->next;
	}
	if (batch == NULL)
		return true;
	ok = query_lsn(pg, "SELECT pg_catalog.pg_current_wal_insert_lsn()", &lsn);
	if (ok)
		reads_raise_barrier(l->reads, lsn);
	while ((n = batch) != NULL)
	{
		batch = n->next;
		/* Without the position no read server can be trusted for the
		 * change: the cache is turned off by the caller anyway. */
		apply_notify(l->cache, n->extra);
		PQfreemem(n);
	}
	return ok;
}

/* Returns when the connection breaks or the listener is stopped. */
static void
listen_loop(struct config_listener *l, PGconn *pg)
{
	struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};

	while (!atomic_load(&l->stop))
	{
		if (poll(&pfd, 1, TICK_MS) < 0)
			continue;
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) &&
			PQconsumeInput(pg) == 0)
			return;
		if (!drain_notifies(l, pg) || PQstatus(pg) != CONNECTION_OK)
			return;
	}
}

/* Changes committed while no one listened were not notified: the read
 * servers must be past the position at which listening started. */
static bool
start_listening(struct config_listener *l, PGconn *pg)
{
	PGresult *r = PQexec(pg, "LISTEN convert_config");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	uint64_t lsn;

	PQclear(r);
	if (ok && (ok = query_lsn(
				   pg, "SELECT pg_catalog.pg_current_wal_insert_lsn()", &lsn)))
		reads_raise_barrier(l->reads, lsn);
	return ok;
}

/* The listener thread: connect and LISTEN, keep the cache on while
 * listening, reconnect after a failure, until stopped. */
static void *
listener_main(void *arg)
{
	struct config_listener *l = arg;

	while (!atomic_load(&l->stop))
	{
		PGconn *pg = connect_with(l->conninfo, "convert-proxy listener");

		bool up = pg != NULL && start_listening(l, pg);

		atomic_store(&l->tried, true);
		if (up)
		{
			/* Notifications may have been missed while disconnected. */
			cache_set_enabled(l->cache, true);
			listen_loop(l, pg);
			cache_set_enabled(l->cache, false);
		}
		if (pg != NULL)
			PQfinish(pg);
		for (int t = 0; t < RECONNECT_MS && !atomic_load(&l->stop);
			 t += TICK_MS)
			sleep_ms(TICK_MS);
	}
	return NULL;
}

struct config_listener *
listener_start(const char *conninfo, struct config_cache *c,
			   struct read_servers *reads)
{
	struct config_listener *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->conninfo = conninfo;
	l->cache = c;
	l->reads = reads;
	atomic_init(&l->stop, false);
	atomic_init(&l->tried, false);
	if (pthread_create(&l->thread, NULL, listener_main, l) != 0)
	{
		free(l);
		return NULL;
	}
	/* Serving starts with the barrier set (or the attempt failed), so the
	 * first reads do not depend on how fast this thread got going. */
	while (!atomic_load(&l->tried))
		sleep_ms(5);
	return l;
}

void
listener_stop(struct config_listener *l)
{
	if (l == NULL)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	free(l);
}
