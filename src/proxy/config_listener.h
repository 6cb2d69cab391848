/* A thread that holds LISTEN convert_config on its own connection and
 * clears the config cache on every notification; it turns the cache off
 * while it is disconnected and reconnects on its own. */
#ifndef CONVERT_PROXY_CONFIG_LISTENER_H
#define CONVERT_PROXY_CONFIG_LISTENER_H

#include "config_cache.h"
#include "pool.h"

struct config_listener;

struct config_listener *listener_start(struct pool *p, struct config_cache *c);
void listener_stop(struct config_listener *l);

#endif
