/* pool.c — The libpq connection pool (pool.h): borrowing with a bounded
 * queue and wait, reconnecting, session setup. */
#include "pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* After a failed connection attempt a slot waits this long before the next
 * one, so that while PostgreSQL is down requests fail fast with 503. */
#define RECONNECT_BACKOFF_MS 500

struct pool
{
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct pool_conn *conns;
	int size;
	int waiting;
	int max_waiting;
	int wait_ms;
	int statement_timeout_ms;
	bool session_free;
	char *conninfo;
};

/* Milliseconds of the monotonic clock. */
long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pool *
pool_create(const char *conninfo, int size, int max_waiting, int wait_ms,
			int statement_timeout_ms, bool session_free)
{
	struct pool *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	p->conns = calloc((size_t) size, sizeof *p->conns);
	p->conninfo = strdup(conninfo);
	if (p->conns == NULL || p->conninfo == NULL)
	{
		free(p->conns);
		free(p->conninfo);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->size = size;
	p->max_waiting = max_waiting;
	p->wait_ms = wait_ms;
	p->statement_timeout_ms = statement_timeout_ms;
	p->session_free = session_free;
	return p;
}

/* Does every call stand alone (no session settings, for PgBouncer)? */
bool
pool_session_free(const struct pool *p)
{
	return p->session_free;
}

int
pool_statement_timeout(const struct pool *p)
{
	return p->statement_timeout_ms;
}

void
pool_destroy(struct pool *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->size; i++)
		pool_discard(&p->conns[i]);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->mu);
	free(p->conns);
	free(p->conninfo);
	free(p);
}

PGconn *
pool_connect(struct pool *p, const char *application_name)
{
	return connect_with(p->conninfo, application_name);
}

/* The user's connection string may set anything; our keywords come first
 * so that it overrides them, and connect_timeout is left to
 * PGCONNECT_TIMEOUT when that is set. */
PGconn *
connect_with(const char *conninfo, const char *application_name)
{
	const char *keys[4], *vals[4];
	int n = 0;
	PGconn *pg;

	keys[n] = "fallback_application_name";
	vals[n++] = application_name;
	if (getenv("PGCONNECT_TIMEOUT") == NULL)
	{
		keys[n] = "connect_timeout";
		vals[n++] = "3";
	}
	keys[n] = "dbname";
	vals[n++] = conninfo[0] ? conninfo : NULL;
	keys[n] = NULL;
	vals[n] = NULL;
	pg = PQconnectdbParams(keys, vals, 1);
	if (pg != NULL && PQstatus(pg) != CONNECTION_OK)
	{
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

/* statement_timeout comes from a validated integer setting, never from a
 * request. */
static bool
session_setup(struct pool *p, PGconn *pg)
{
	char sql[64];
	PGresult *r;
	bool ok;

	snprintf(sql, sizeof sql, "SET statement_timeout = %d",
			 p->statement_timeout_ms);
	r = PQexec(pg, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok;
}

/* A server restart leaves idle sessions closed; reading the socket
 * notices that (libpq marks the connection bad on EOF) before a request
 * is sent on it. */
static bool
still_alive(PGconn *pg)
{
	PGnotify *n;

	if (PQconsumeInput(pg) == 0 || PQstatus(pg) != CONNECTION_OK)
		return false;
	while ((n = PQnotifies(pg)) != NULL)
		PQfreemem(n);
	return true;
}

/* Make c usable: keep a live connection, else reconnect (not before its
 * retry time) and set the session up. */
static bool
ensure_connected(struct pool *p, struct pool_conn *c)
{
	long long t = now_ms();

	if (c->pg != NULL && still_alive(c->pg))
		return true;
	pool_discard(c);
	if (t < c->retry_at_ms)
		return false;
	c->pg = pool_connect(p, "convert-proxy");
	if (c->pg != NULL && !p->session_free && !session_setup(p, c->pg))
		pool_discard(c);
	if (c->pg == NULL)
		c->retry_at_ms = now_ms() + RECONNECT_BACKOFF_MS;
	return c->pg != NULL;
}

int
pool_warm(struct pool *p)
{
	int up = 0;

	for (int i = 0; i < p->size; i++)
		up += ensure_connected(p, &p->conns[i]) ? 1 : 0;
	return up;
}

/* Claim the first idle connection, or NULL. */
static struct pool_conn *
take_free(struct pool *p)
{
	for (int i = 0; i < p->size; i++)
		if (!p->conns[i].busy)
		{
			p->conns[i].busy = true;
			return &p->conns[i];
		}
	return NULL;
}

/* The CLOCK_REALTIME time ms from now, as pthread_cond_timedwait wants it. */
static void
deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L)
	{
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Wait, if the queue has room, until a connection is released or the queue
 * timeout passes. */
static enum pool_status
wait_for_slot(struct pool *p, struct pool_conn **out)
{
	struct timespec deadline;
	int rc = 0;

	if (p->waiting >= p->max_waiting)
		return POOL_BUSY;
	deadline_after(&deadline, p->wait_ms);
	p->waiting++;
	while ((*out = take_free(p)) == NULL && rc == 0)
		rc = pthread_cond_timedwait(&p->freed, &p->mu, &deadline);
	p->waiting--;
	return *out != NULL ? POOL_OK : POOL_TIMEOUT;
}

enum pool_status
pool_acquire(struct pool *p, struct pool_conn **out)
{
	enum pool_status st;

	pthread_mutex_lock(&p->mu);
	*out = take_free(p);
	st = *out != NULL ? POOL_OK : wait_for_slot(p, out);
	pthread_mutex_unlock(&p->mu);
	if (st != POOL_OK)
		return st;
	/* Connecting blocks, so it happens outside the lock. */
	if (!ensure_connected(p, *out))
	{
		pool_release(p, *out);
		*out = NULL;
		return POOL_DOWN;
	}
	return POOL_OK;
}

/* Give c back and wake one waiting request. */
void
pool_release(struct pool *p, struct pool_conn *c)
{
	pthread_mutex_lock(&p->mu);
	c->busy = false;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->mu);
}

void
pool_discard(struct pool_conn *c)
{
	if (c->pg != NULL)
		PQfinish(c->pg);
	c->pg = NULL;
	c->prepared = 0;
}
