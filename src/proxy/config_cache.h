/* In-process cache of rendered configs for requests that carry no secret
 * and no debug token, with the environment list of each key (env_list.h)
 * to tell which cache key an environment falls under.  Entries live at
 * most ttl seconds; past max_entries the least recently used go.  A
 * notification on convert_config (config_listener.c) drops the entries of
 * one SDK key, or all of them.  While no listener is connected the cache
 * is off, so nothing stale can be served across a missed notification. */
#ifndef CONVERT_PROXY_CONFIG_CACHE_H
#define CONVERT_PROXY_CONFIG_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "env_list.h"
#include "rendered.h"

struct config_cache;

struct config_cache *cache_create(int ttl_s, int max_entries);
void cache_destroy(struct config_cache *c);

/* Under the cache's lock, call send(entry, arg) for a fresh entry of key;
 * returns false (send not called) on a miss. */
bool cache_serve(struct config_cache *c, const char *key,
				 void (*send)(const struct rendered *, void *), void *arg);

/* Whether a fresh environment list is kept under key; if so, *known says
 * whether env is in it. */
bool cache_env_known(struct config_cache *c, const char *key, const char *env,
					 bool *known);

/* The generation to pass to cache_store: read it before asking the
 * database, so a result that raced with an invalidation is not kept. */
uint64_t cache_generation(struct config_cache *c);

/* Take ownership of r / l (destroyed when not kept). */
void cache_store(struct config_cache *c, const char *key, uint64_t gen,
				 struct rendered *r);
void cache_store_envs(struct config_cache *c, const char *key, uint64_t gen,
					  struct env_list *l);

/* Drop every entry whose key starts with prefix. */
void cache_drop_prefix(struct config_cache *c, const char *prefix);
void cache_clear(struct config_cache *c);
void cache_set_enabled(struct config_cache *c, bool on);

#endif
