/* server.c — The HTTP server (server.h): libmicrohttpd callbacks, request
 * bodies, routing and the daemon's lifecycle. */
#include "server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "handlers.h"
#include "request.h"
#include "responses.h"

/* A client that keeps sending past the body limit is cut off once it has
 * sent this many times the limit; below that it gets its 413. */
#define DISCARD_FACTOR 4
/* A body buffer starts this large (most tracking batches fit) and doubles,
 * never past the declared length or the limit: a client announcing a big
 * body must send it before the memory is taken. */
#define BODY_FIRST_CAP 16384

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The client's address as text, "-" when unknown. */
static void
client_of(struct MHD_Connection *c, char *dst, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(dst, len, "-");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, dst,
				  (socklen_t) len);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr,
				  dst, (socklen_t) len);
}

/* The connection's watchdog record, NULL when it has none. */
static struct watched *
watched_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* A new request's state: path, method, route and client; and the watchdog
 * is told a request started. */
static struct request *
request_new(struct server *srv, struct MHD_Connection *c, const char *url,
			const char *method)
{
	struct request *rq = calloc(1, sizeof *rq);
	struct watched *w = watched_of(c);

	if (rq == NULL || (rq->path = strdup(url)) == NULL)
	{
		free(rq);
		return NULL;
	}
	rq->start_us = now_us();
	rq->method = method_of(method);
	snprintf(rq->method_name, sizeof rq->method_name, "%s", method);
	client_of(c, rq->client, sizeof rq->client);
	snprintf(rq->note, sizeof rq->note, "-");
	route_match(rq->path, &rq->route);
	atomic_fetch_add(&srv->in_flight, 1);
	if (w != NULL)
		watch_request_started(srv->watch, w);
	return rq;
}

/* 405 with the route's Allow header. */
static enum MHD_Result
method_not_allowed(struct server *srv, struct MHD_Connection *c,
				   struct request *rq)
{
	size_t len;
	char *body = json_error_body(405, "method not allowed", &len);
	struct MHD_Response *r =
		body ? json_response(body, len, "no-store") : NULL;

	free(body);
	if (r != NULL)
		MHD_add_response_header(r, "Allow", rq->route.allow);
	return queue_response(srv, c, rq, 405, r, len);
}

/* The Content-Length header's value, 0 when absent (chunked). */
static unsigned long long
declared_length(struct MHD_Connection *c)
{
	const char *cl =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

	return cl != NULL ? strtoull(cl, NULL, 10) : 0;
}

/* From here on no deadline runs; called before any response is queued. */
static void
answering(struct server *srv, struct MHD_Connection *c)
{
	struct watched *w = watched_of(c);

	if (w != NULL)
		watch_request_answering(srv->watch, w);
}

/* The whole request is in (libmicrohttpd keeps a connection alive only
 * when the response is queued after the request was read completely). */
static enum MHD_Result
dispatch(struct server *srv, struct MHD_Connection *c, struct request *rq)
{
	const struct route *rt = &rq->route;

	answering(srv, c);
	if (rt->kind == R_NONE)
		return queue_error(srv, c, rq, 404, "not found");
	if ((rt->methods & rq->method) == 0)
		return method_not_allowed(srv, c, rq);
	if (rq->method == M_OPTIONS)
		return handle_preflight(srv, c, rq);
	if (rq->too_large)
		return queue_error(srv, c, rq, 413, "request body too large");
	if (rt->kind == R_HEALTH)
		return handle_health(srv, c, rq);
	if (rt->kind == R_TRACK)
		return handle_track(srv, c, rq);
	return handle_config(srv, c, rq);
}

/* Room for need bytes of body: from BODY_FIRST_CAP, doubling, never past
 * most when most suffices. */
static bool
grow_body(struct request *rq, size_t need, size_t most)
{
	size_t cap = rq->body_cap ? rq->body_cap : BODY_FIRST_CAP;
	char *b;

	while (cap < need)
		cap *= 2;
	/* A body longer than declared (chunked despite a Content-Length) may
	 * still grow up to the limit, checked by the caller. */
	if (cap > most && most >= need)
		cap = most;
	if (cap == rq->body_cap)
		return true;
	b = realloc(rq->body, cap);
	if (b == NULL)
		return false;
	rq->body = b;
	rq->body_cap = cap;
	return true;
}

/* Keeps the body, NUL-terminated, up to the limit; past it drops the body
 * and only counts (a response can only be queued once it is all read). */
static enum MHD_Result
absorb(struct server *srv, struct MHD_Connection *c, struct request *rq,
	   const char *data, size_t n)
{
	size_t limit = srv->settings->body_limit;
	struct watched *w = watched_of(c);

	if (w != NULL)
		watch_body_received(srv->watch, w, n);
	if (!rq->too_large && rq->body_len + n > limit)
	{
		rq->too_large = true;
		rq->discarded = rq->body_len;
		free(rq->body);
		rq->body = NULL;
		rq->body_len = rq->body_cap = 0;
	}
	if (rq->too_large)
	{
		rq->discarded += n;
		return rq->discarded / DISCARD_FACTOR > limit ? MHD_NO : MHD_YES;
	}
	/* The +1 keeps room for the terminating NUL. */
	if (!grow_body(
			rq, rq->body_len + n + 1,
			(rq->declared > 0 && rq->declared < limit ? rq->declared : limit) +
				1))
		return MHD_NO;
	memcpy(rq->body + rq->body_len, data, n);
	rq->body_len += n;
	rq->body[rq->body_len] = '\0';
	return MHD_YES;
}

/* libmicrohttpd's request callback: set the request up, take its body piece
 * by piece, then dispatch it. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
		   const char *method, const char *version, const char *upload,
		   size_t *upload_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;
	size_t n;

	(void) version;
	if (rq == NULL)
	{
		rq = request_new(srv, c, url, method);
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		rq->declared = declared_length(c);
		/* Refuse a body announced too large before it is sent. */
		if (rq->declared > srv->settings->body_limit)
		{
			answering(srv, c);
			return queue_error(srv, c, rq, 413, "request body too large");
		}
		return MHD_YES;
	}
	if (*upload_size > 0)
	{
		n = *upload_size;
		*upload_size = 0;
		return absorb(srv, c, rq, upload, n);
	}
	return dispatch(srv, c, rq);
}

/* libmicrohttpd's completion callback: log the request (408 when the
 * watchdog cut it) and free it. */
static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;
	struct watched *w = watched_of(c);

	if (rq == NULL)
		return;
	if (w != NULL && watch_timed_out(srv->watch, w))
	{
		rq->status = 408;
		rq->bytes = WATCH_TIMEOUT_BODY_LEN;
		snprintf(rq->note, sizeof rq->note, "timeout");
	}
	else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		snprintf(rq->note, sizeof rq->note, "aborted=%d", (int) toe);
	access_log_write(&(struct access_entry){
		.client = rq->client,
		.method = rq->method_name,
		.path = rq->path,
		.status = rq->status,
		.bytes = rq->bytes,
		.ms = (double) (now_us() - rq->start_us) / 1000.0,
		.note = rq->note,
	});
	if (w != NULL)
		watch_request_done(srv->watch, w);
	atomic_fetch_sub(&srv->in_flight, 1);
	free(rq->body);
	free(rq->path);
	free(rq);
	*con_cls = NULL;
}

/* libmicrohttpd's connection callback: watch a new connection, forget a
 * closed one. */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *srv = cls;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
	{
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? watch_add(srv->watch, ci->connect_fd) : NULL;
	}
	else if (*socket_context != NULL)
	{
		watch_remove(srv->watch, *socket_context);
		*socket_context = NULL;
	}
}

/* The listen address of the settings (numeric host and port only). */
static bool
resolve(const struct proxy_settings *s, struct sockaddr_storage *addr,
		bool *v6)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
							 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char port[8];

	snprintf(port, sizeof port, "%u", (unsigned) s->listen_port);
	if (getaddrinfo(s->listen_host, port, &hints, &res) != 0 || res == NULL)
		return false;
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return true;
}

/* Start libmicrohttpd: a thread per connection, with the settings'
 * connection limits and timeouts. */
static struct MHD_Daemon *
start_daemon(struct server *srv, const struct proxy_settings *s,
			 struct sockaddr_storage *addr, bool v6)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
					 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
					 MHD_USE_ITC | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);

	return MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *) addr, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned) s->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned) s->max_connections_per_client,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) s->idle_timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
}

struct server *
server_start(const struct proxy_settings *s, struct pool *p,
			 struct read_servers *reads, struct config_cache *cache)
{
	struct server *srv = calloc(1, sizeof *srv);
	struct sockaddr_storage addr;
	const union MHD_DaemonInfo *di;
	bool v6;

	if (srv == NULL)
		return NULL;
	srv->settings = s;
	srv->pool = p;
	srv->reads = reads;
	srv->cache = cache;
	atomic_init(&srv->in_flight, 0);
	atomic_init(&srv->draining, false);
	if (!resolve(s, &addr, &v6))
	{
		fprintf(stderr, "convert-proxy: invalid listen address %s\n",
				s->listen_host);
		free(srv);
		return NULL;
	}
	srv->watch = watch_start(&(struct watch_limits){
		.header_timeout_s = s->header_timeout_s,
		.request_timeout_s = s->request_timeout_s,
		.min_body_rate = s->min_body_rate,
	});
	srv->daemon = srv->watch ? start_daemon(srv, s, &addr, v6) : NULL;
	if (srv->daemon == NULL)
	{
		fprintf(stderr, "convert-proxy: cannot listen on %s:%u\n",
				s->listen_host, (unsigned) s->listen_port);
		watch_stop(srv->watch);
		free(srv);
		return NULL;
	}
	di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : s->listen_port;
	return srv;
}

unsigned short
server_port(const struct server *srv)
{
	return srv->port;
}

void
server_stop(struct server *srv)
{
	long long deadline =
		now_us() + (long long) srv->settings->shutdown_timeout_s * 1000000;
	MHD_socket lfd;

	atomic_store(&srv->draining, true);
	lfd = MHD_quiesce_daemon(srv->daemon);
	while (atomic_load(&srv->in_flight) > 0 && now_us() < deadline)
		nanosleep(&(struct timespec){0, 20000000L}, NULL);
	MHD_stop_daemon(srv->daemon);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	watch_stop(srv->watch);
	free(srv);
}
