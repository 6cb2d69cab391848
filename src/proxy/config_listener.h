/* A thread that holds LISTEN convert_config on its own connection and
 * clears the config cache on every notification; it turns the cache off
 * while it is disconnected and reconnects on its own.  Before clearing,
 * it raises the read servers' barrier to the primary's WAL insert
 * position, which is past the commit of every change notified so far. */
#ifndef CONVERT_PROXY_CONFIG_LISTENER_H
#define CONVERT_PROXY_CONFIG_LISTENER_H

#include "config_cache.h"
#include "pool.h"
#include "read_servers.h"

struct config_listener;

/* conninfo must be a direct connection to the primary (LISTEN needs a
 * session of its own, which neither a standby nor a transaction-pooling
 * PgBouncer gives); it must outlive the listener. */
struct config_listener *listener_start(const char *conninfo,
									   struct config_cache *c,
									   struct read_servers *reads);
void listener_stop(struct config_listener *l);

#endif
