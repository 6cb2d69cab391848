/* A small pool of libpq connections.  Callers borrow one connection at a
 * time; a bounded number may wait for one, and only for a bounded time, so
 * a slow or absent database turns into quick 503s instead of piling up. */
#ifndef CONVERT_PROXY_POOL_H
#define CONVERT_PROXY_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>

struct pool;

struct pool_conn
{
	PGconn *pg;			   /* NULL while disconnected */
	unsigned prepared;	   /* bit i: statement i is prepared on pg */
	long long retry_at_ms; /* no reconnect attempt before this time */
	bool busy;
};

enum pool_status
{
	POOL_OK,
	POOL_BUSY,
	POOL_TIMEOUT,
	POOL_DOWN
};

/* With session_free, connections get no session setting (a
 * transaction-pooling PgBouncer hands each transaction to any server
 * connection): callers then set the statement timeout per call. */
struct pool *pool_create(const char *conninfo, int size, int max_waiting,
						 int wait_ms, int statement_timeout_ms,
						 bool session_free);
void pool_destroy(struct pool *p);

/* Connect every slot now; returns how many connections are up. */
int pool_warm(struct pool *p);

/* Borrow a connected connection.  POOL_BUSY: too many already waiting;
 * POOL_TIMEOUT: none freed in time; POOL_DOWN: the database cannot be
 * reached (the slot is returned already). */
enum pool_status pool_acquire(struct pool *p, struct pool_conn **out);
void pool_release(struct pool *p, struct pool_conn *c);

/* Drop a connection whose session is broken; the next borrower of the
 * slot reconnects. */
void pool_discard(struct pool_conn *c);

bool pool_session_free(const struct pool *p);
int pool_statement_timeout(const struct pool *p);

/* Opens one connection with the pool's settings (also used for LISTEN). */
PGconn *pool_connect(struct pool *p, const char *application_name);

/* The same with another connection string. */
PGconn *connect_with(const char *conninfo, const char *application_name);

long long now_ms(void);

#endif
