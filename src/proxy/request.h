/* State of one HTTP request, shared by the server and the handlers. */
#ifndef CONVERT_PROXY_REQUEST_H
#define CONVERT_PROXY_REQUEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config_cache.h"
#include "conn_watch.h"
#include "mhd.h"
#include "pool.h"
#include "read_servers.h"
#include "routes.h"
#include "settings.h"

struct server
{
	struct MHD_Daemon *daemon;
	const struct proxy_settings *settings;
	struct pool *pool;			/* the primary: tracking, health */
	struct read_servers *reads; /* config reads */
	struct config_cache *cache;
	struct conn_watch *watch;
	atomic_int in_flight;
	atomic_bool draining; /* shutting down: close connections after use */
	unsigned short port;
};

struct request
{
	struct route route;
	enum method method;
	char method_name[16]; /* copied: logged after the request ends */
	char *path;
	char client[64];
	long long start_us;
	char *body;
	size_t body_len, body_cap;
	unsigned long long declared; /* Content-Length, 0 when absent */
	size_t discarded;			 /* body bytes dropped past the limit */
	bool too_large;
	unsigned status;
	size_t bytes;
	char note[24];
};

#endif
