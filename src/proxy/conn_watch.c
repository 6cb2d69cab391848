#include "conn_watch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "pool.h"

#define TICK_MS 250

struct watched {
	struct watched *prev, *next;
	int fd;
	bool in_request;
	long long deadline_ms;
};

struct conn_watch {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	struct watched *head;
	long long timeout_ms;
	bool stop;
};

/* Shutting the socket down (not closing it: libmicrohttpd owns the
 * descriptor) makes the connection's next read fail, and libmicrohttpd
 * closes it.  Entries are removed, under the same lock, before their
 * descriptor is closed, so the descriptor cannot belong to anyone else. */
static void expire_locked(struct conn_watch *w, long long now)
{
	for (struct watched *c = w->head; c != NULL; c = c->next)
		if (!c->in_request && c->deadline_ms != 0 && now >= c->deadline_ms) {
			shutdown(c->fd, SHUT_RDWR);
			c->deadline_ms = 0;
		}
}

static void *watch_main(void *arg)
{
	struct conn_watch *w = arg;
	struct timespec ts;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		expire_locked(w, now_ms());
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct conn_watch *watch_start(int header_timeout_s)
{
	struct conn_watch *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->timeout_ms = (long long) header_timeout_s * 1000;
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void watch_stop(struct conn_watch *w)
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

struct watched *watch_add(struct conn_watch *w, int fd)
{
	struct watched *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->fd = fd;
	pthread_mutex_lock(&w->mu);
	c->deadline_ms = now_ms() + w->timeout_ms;
	c->next = w->head;
	if (w->head != NULL)
		w->head->prev = c;
	w->head = c;
	pthread_mutex_unlock(&w->mu);
	return c;
}

void watch_remove(struct conn_watch *w, struct watched *c)
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

void watch_request_started(struct conn_watch *w, struct watched *c)
{
	pthread_mutex_lock(&w->mu);
	c->in_request = true;
	pthread_mutex_unlock(&w->mu);
}

void watch_request_done(struct conn_watch *w, struct watched *c)
{
	pthread_mutex_lock(&w->mu);
	c->in_request = false;
	c->deadline_ms = now_ms() + w->timeout_ms;
	pthread_mutex_unlock(&w->mu);
}
