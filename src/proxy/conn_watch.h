/* Deadlines that libmicrohttpd's own timeout cannot enforce: it only
 * closes connections that go silent, so a client trickling a header or a
 * body one byte at a time would keep a connection (and its thread) for as
 * long as it liked.  Every connection is registered here, and a watchdog
 * thread cuts it off when
 *   - its request header is not complete header_timeout after the
 *     connection opened or its previous response ended,
 *   - its whole request (header and body) is not in request_timeout after
 *     that same moment (the body's cut gets a 408 first), or
 *   - its body, after a first second of grace, averages fewer than
 *     min_body_rate bytes per second (also with a 408).
 * While a request is being answered no deadline runs. */
#ifndef CONVERT_PROXY_CONN_WATCH_H
#define CONVERT_PROXY_CONN_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct conn_watch;
struct watched;

/* Bytes of the 408's body, {"code":408,"message":"request timeout"}. */
#define WATCH_TIMEOUT_BODY_LEN 40

struct watch_limits
{
	int header_timeout_s;
	int request_timeout_s;
	int min_body_rate; /* bytes per second, 0 = no minimum */
};

struct conn_watch *watch_start(const struct watch_limits *limits);
void watch_stop(struct conn_watch *w);

struct watched *watch_add(struct conn_watch *w, int fd);
void watch_remove(struct conn_watch *w, struct watched *c);

/* The header is complete: the body's deadlines run now. */
void watch_request_started(struct conn_watch *w, struct watched *c);
/* n more body bytes arrived. */
void watch_body_received(struct conn_watch *w, struct watched *c, size_t n);
/* The request is in (or is refused early): no deadline while answering.
 * Must be called before a response is queued. */
void watch_request_answering(struct conn_watch *w, struct watched *c);
/* Whether the watchdog cut the connection's body off with a 408. */
bool watch_timed_out(struct conn_watch *w, struct watched *c);
/* The response is done: the next request's deadlines start now. */
void watch_request_done(struct conn_watch *w, struct watched *c);

#endif
