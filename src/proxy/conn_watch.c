/* conn_watch.c — The watchdog thread (conn_watch.h) that closes connections
 * past their header, request or body-rate deadlines. */
#include "conn_watch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pool.h"

#define TICK_MS 250
/* A body's rate is measured from one second after its header: a client
 * needs a round trip or two before its first body bytes arrive. */
#define BODY_GRACE_MS 1000

enum phase
{
	P_HEADER,
	P_BODY,
	P_ANSWERING
};

struct watched
{
	struct watched *prev, *next;
	int fd;
	enum phase phase;
	bool cut;
	long long start_ms; /* header phase began */
	long long body_ms;	/* header complete */
	unsigned long long body_bytes;
};

struct conn_watch
{
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	struct watched *head;
	long long header_ms, request_ms;
	long long min_rate;
	bool stop;
};

#define TIMEOUT_BODY "{\"code\":408,\"message\":\"request timeout\"}"

static const char TIMEOUT_408[] = "HTTP/1.1 408 Request Timeout\r\n"
								  "Content-Type: application/json\r\n"
								  "Cache-Control: no-store\r\n"
								  "Access-Control-Allow-Origin: *\r\n"
								  "Connection: close\r\n"
								  "Content-Length: 40\r\n\r\n" TIMEOUT_BODY;

_Static_assert(sizeof TIMEOUT_BODY - 1 == WATCH_TIMEOUT_BODY_LEN,
			   "Content-Length of the 408");

/* Has the body averaged less than the minimum rate since its grace period
 * ended? */
static bool
body_too_slow(const struct conn_watch *w, const struct watched *c,
			  long long now)
{
	long long measured = now - c->body_ms - BODY_GRACE_MS;

	return w->min_rate > 0 && measured > 0 &&
		   (long long) c->body_bytes * 1000 < w->min_rate * measured;
}

/* Has the connection missed a deadline of its phase (header, whole request,
 * body rate)? */
static bool
overdue(const struct conn_watch *w, const struct watched *c, long long now)
{
	switch (c->phase)
	{
	case P_HEADER:
		return now >= c->start_ms + w->header_ms ||
			   now >= c->start_ms + w->request_ms;
	case P_BODY:
		return now >= c->start_ms + w->request_ms || body_too_slow(w, c, now);
	case P_ANSWERING:
		return false;
	}
	return false;
}

/* Shutting the socket down (not closing it: libmicrohttpd owns the
 * descriptor) makes the connection's next read fail, and libmicrohttpd
 * closes it.  Entries are removed, under the same lock, before their
 * descriptor is closed, so the descriptor cannot belong to anyone else.
 * During a body nothing else writes to the socket (a response is only
 * queued after watch_request_answering, which takes this lock), so the
 * 408 cannot interleave with one. */
static void
expire_locked(struct conn_watch *w, long long now)
{
	for (struct watched *c = w->head; c != NULL; c = c->next)
	{
		if (c->cut || !overdue(w, c, now))
			continue;
		if (c->phase == P_BODY)
			(void) send(c->fd, TIMEOUT_408, sizeof TIMEOUT_408 - 1,
						MSG_DONTWAIT | MSG_NOSIGNAL);
		shutdown(c->fd, SHUT_RDWR);
		c->cut = true;
	}
}

/* The watchdog thread: every tick, cut the connections that are overdue. */
static void *
watch_main(void *arg)
{
	struct conn_watch *w = arg;
	struct timespec ts;

	pthread_mutex_lock(&w->mu);
	while (!w->stop)
	{
		expire_locked(w, now_ms());
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L)
		{
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Start the watchdog thread with the given limits; NULL when it cannot
 * start. */
struct conn_watch *
watch_start(const struct watch_limits *limits)
{
	struct conn_watch *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->header_ms = (long long) limits->header_timeout_s * 1000;
	w->request_ms = (long long) limits->request_timeout_s * 1000;
	w->min_rate = limits->min_body_rate;
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0)
	{
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void
watch_stop(struct conn_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	while (w->head != NULL)
		watch_remove(w, w->head);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* Watch a new connection's deadlines from now on. */
struct watched *
watch_add(struct conn_watch *w, int fd)
{
	struct watched *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->fd = fd;
	pthread_mutex_lock(&w->mu);
	c->phase = P_HEADER;
	c->start_ms = now_ms();
	c->next = w->head;
	if (w->head != NULL)
		w->head->prev = c;
	w->head = c;
	pthread_mutex_unlock(&w->mu);
	return c;
}

/* Stop watching c and free it. */
void
watch_remove(struct conn_watch *w, struct watched *c)
{
	pthread_mutex_lock(&w->mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&w->mu);
	free(c);
}

void
watch_request_started(struct conn_watch *w, struct watched *c)
{
	pthread_mutex_lock(&w->mu);
	c->phase = P_BODY;
	c->body_ms = now_ms();
	c->body_bytes = 0;
	pthread_mutex_unlock(&w->mu);
}

void
watch_body_received(struct conn_watch *w, struct watched *c, size_t n)
{
	pthread_mutex_lock(&w->mu);
	c->body_bytes += n;
	pthread_mutex_unlock(&w->mu);
}

void
watch_request_answering(struct conn_watch *w, struct watched *c)
{
	pthread_mutex_lock(&w->mu);
	c->phase = P_ANSWERING;
	pthread_mutex_unlock(&w->mu);
}

bool
watch_timed_out(struct conn_watch *w, struct watched *c)
{
	bool out;

	pthread_mutex_lock(&w->mu);
	out = c->cut && c->phase == P_BODY;
	pthread_mutex_unlock(&w->mu);
	return out;
}

void
watch_request_done(struct conn_watch *w, struct watched *c)
{
	pthread_mutex_lock(&w->mu);
	c->phase = P_HEADER;
	c->start_ms = now_ms();
	pthread_mutex_unlock(&w->mu);
}
