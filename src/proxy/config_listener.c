#include "config_listener.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* How often the thread looks at its stop flag. */
#define TICK_MS 200
#define RECONNECT_MS 1000

struct config_listener {
	pthread_t thread;
	struct pool *pool;
	struct config_cache *cache;
	atomic_bool stop;
};

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static bool drain_notifies(PGconn *pg)
{
	PGnotify *n;
	bool any = false;

	while ((n = PQnotifies(pg)) != NULL) {
		PQfreemem(n);
		any = true;
	}
	return any;
}

/* Returns when the connection breaks or the listener is stopped. */
static void listen_loop(struct config_listener *l, PGconn *pg)
{
	struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};

	while (!atomic_load(&l->stop)) {
		if (poll(&pfd, 1, TICK_MS) < 0)
			continue;
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) &&
			PQconsumeInput(pg) == 0)
			return;
		if (drain_notifies(pg))
			cache_clear(l->cache);
		if (PQstatus(pg) != CONNECTION_OK)
			return;
	}
}

static bool start_listening(PGconn *pg)
{
	PGresult *r = PQexec(pg, "LISTEN convert_config");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	return ok;
}

static void *listener_main(void *arg)
{
	struct config_listener *l = arg;

	while (!atomic_load(&l->stop)) {
		PGconn *pg = pool_connect(l->pool, "convert-proxy listener");

		if (pg != NULL && start_listening(pg)) {
			/* Notifications may have been missed while disconnected. */
			cache_set_enabled(l->cache, true);
			listen_loop(l, pg);
			cache_set_enabled(l->cache, false);
		}
		if (pg != NULL)
			PQfinish(pg);
		for (int t = 0; t < RECONNECT_MS && !atomic_load(&l->stop); t += TICK_MS)
			sleep_ms(TICK_MS);
	}
	return NULL;
}

struct config_listener *listener_start(struct pool *p, struct config_cache *c)
{
	struct config_listener *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->pool = p;
	l->cache = c;
	atomic_init(&l->stop, false);
	if (pthread_create(&l->thread, NULL, listener_main, l) != 0) {
		free(l);
		return NULL;
	}
	return l;
}

void listener_stop(struct config_listener *l)
{
	if (l == NULL)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	free(l);
}
