/* The HTTP side: a libmicrohttpd daemon (a thread per connection, since
 * every request may block on the database) and the lifecycle of one
 * request: route, collect the body, hand over to a handler, log. */
#ifndef CONVERT_PROXY_SERVER_H
#define CONVERT_PROXY_SERVER_H

#include "config_cache.h"
#include "pool.h"
#include "read_servers.h"
#include "settings.h"

struct server;

/* Returns NULL (message on stderr) when the address cannot be bound. */
struct server *server_start(const struct proxy_settings *s, struct pool *p,
							struct read_servers *reads,
							struct config_cache *cache);

unsigned short server_port(const struct server *srv);

/* Stop accepting, let in-flight requests finish (at most the shutdown
 * timeout), then close every connection and free the server. */
void server_stop(struct server *srv);

#endif
