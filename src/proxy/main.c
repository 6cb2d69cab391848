/* convert-proxy: serves convert's config and track SQL functions on the
 * public Serving API routes, so the official SDKs work against it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_log.h"
#include "config_cache.h"
#include "config_listener.h"
#include "pool.h"
#include "read_servers.h"
#include "server.h"
#include "settings.h"

/* Signals are blocked in every thread and taken synchronously here, so
 * no handler runs in the middle of a request. */
static int
wait_for_stop(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
	return sig;
}

/* Block SIGTERM and SIGINT in every thread (the main thread waits for them)
 * and ignore SIGPIPE. */
static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The notifications keep the cache exact and, with read servers, hold
 * reads back from a server that has not replayed a change yet (cache or
 * not).  LISTEN needs a direct session with the primary. */
static struct config_listener *
start_listener(const struct proxy_settings *s, struct config_cache *cache,
			   struct read_servers *reads)
{
	if (s->cache_ttl_s == 0 && s->n_read_db == 0)
		return NULL;
	if (s->pgbouncer && s->listen_db == NULL)
	{
		fprintf(stderr,
				"convert-proxy: --pgbouncer on without --listen-db: "
				"no notifications, so the config cache is off and read "
				"servers are used whatever their lag\n");
		return NULL;
	}
	return listener_start(s->listen_db ? s->listen_db : s->conninfo, cache,
						  reads);
}

/* Run the proxy until SIGTERM or SIGINT: pools, read servers, cache,
 * listener and HTTP server; returns the exit status. */
static int
serve(const struct proxy_settings *s)
{
	struct pool *pool;
	struct read_servers *reads = NULL;
	struct config_cache *cache;
	struct config_listener *listener = NULL;
	struct server *srv = NULL;
	int up, sig;

	pool = pool_create(s->conninfo, s->pool_size, s->queue_size,
					   s->queue_timeout_ms, s->statement_timeout_ms,
					   s->pgbouncer);
	cache = cache_create(s->cache_ttl_s, s->cache_entries);
	if (pool != NULL)
		reads = reads_create(s, pool);
	if (pool == NULL || reads == NULL || cache == NULL)
		goto done;
	up = pool_warm(pool);
	if (up < s->pool_size)
		fprintf(stderr,
				"convert-proxy: %d of %d database connections up; "
				"retrying on demand\n",
				up, s->pool_size);
	up = reads_warm(reads);
	if (up < s->n_read_db)
		fprintf(stderr,
				"convert-proxy: %d of %d read servers up; the "
				"others are retried on demand\n",
				up, s->n_read_db);
	listener = start_listener(s, cache, reads);
	if (!reads_monitor_start(reads))
		goto done;
	srv = server_start(s, pool, reads, cache);
	if (srv == NULL)
		goto done;
	fprintf(stderr, "convert-proxy: listening on %s:%u\n", s->listen_host,
			(unsigned) server_port(srv));
	sig = wait_for_stop();
	fprintf(stderr, "convert-proxy: %s, finishing in-flight requests\n",
			strsignal(sig));
	server_stop(srv);
done:
	listener_stop(listener);
	cache_destroy(cache);
	reads_destroy(reads);
	pool_destroy(pool);
	return srv != NULL ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct proxy_settings s;
	char err[160];
	int rc;

	rc = settings_parse(argc, argv, &s, err, sizeof err);
	if (rc == 1)
		return 0;
	if (rc < 0)
	{
		fprintf(stderr, "convert-proxy: %s (see --help)\n", err);
		return 2;
	}
	if (!access_log_open(s.access_log))
	{
		fprintf(stderr, "convert-proxy: cannot open access log %s\n",
				s.access_log);
		return 2;
	}
	block_signals();
	rc = serve(&s);
	access_log_close();
	return rc;
}
