#include "config_listener.h"

#include "cache_keys.h"

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

/* What a notification's payload asks to drop (33_config_cache.sql):
 * 'sdk_key:<key>' the entries of one SDK key; 'debug_tokens' nothing, as
 * no answer to a request with a debug token is cached; anything else (a
 * project id, 'sdk_keys') everything. */
static void apply_notify(struct config_cache *cache, const char *payload)
{
	static const char KEY[] = "sdk_key:";
	char *prefix;

	if (strcmp(payload, "debug_tokens") == 0)
		return;
	if (strncmp(payload, KEY, sizeof KEY - 1) == 0 &&
		(prefix = cache_key_prefix(payload + sizeof KEY - 1)) != NULL) {
		cache_drop_prefix(cache, prefix);
		free(prefix);
		return;
	}
	cache_clear(cache);
}

static void drain_notifies(struct config_listener *l, PGconn *pg)
{
	PGnotify *n;

	while ((n = PQnotifies(pg)) != NULL) {
		apply_notify(l->cache, n->extra);
		PQfreemem(n);
	}
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
		drain_notifies(l, pg);
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
