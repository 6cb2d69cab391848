/* The header timeout.  libmicrohttpd's own timeout only closes connections
 * that go silent; a client trickling a header one byte at a time would keep
 * a connection forever.  Every connection is registered here; from when it
 * opens or its previous response ends until its next request header is
 * complete, it has header_timeout seconds, then a watchdog thread shuts its
 * socket down. */
#ifndef CONVERT_PROXY_CONN_WATCH_H
#define CONVERT_PROXY_CONN_WATCH_H

struct conn_watch;
struct watched;

struct conn_watch *watch_start(int header_timeout_s);
void watch_stop(struct conn_watch *w);

struct watched *watch_add(struct conn_watch *w, int fd);
void watch_remove(struct conn_watch *w, struct watched *c);

/* The header is complete: no deadline until the response is done. */
void watch_request_started(struct conn_watch *w, struct watched *c);
/* The response is done: the next header's deadline starts now. */
void watch_request_done(struct conn_watch *w, struct watched *c);

#endif
