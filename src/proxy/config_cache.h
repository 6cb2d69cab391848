/* In-process cache of rendered configs for requests that carry no secret
 * and no debug token.  Entries live at most ttl seconds and are all dropped
 * whenever PostgreSQL sends NOTIFY convert_config (config_listener.c).
 * While no listener is connected the cache is off, so nothing stale can be
 * served across a missed notification. */
#ifndef CONVERT_PROXY_CONFIG_CACHE_H
#define CONVERT_PROXY_CONFIG_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "rendered.h"

struct config_cache;

struct config_cache *cache_create(int ttl_s, int max_entries);
void cache_destroy(struct config_cache *c);

/* Under the cache's lock, call send(entry, arg) for a fresh entry of key;
 * returns false (send not called) on a miss. */
bool cache_serve(struct config_cache *c, const char *key,
				 void (*send)(const struct rendered *, void *), void *arg);

/* The generation to pass to cache_store: read it before asking the
 * database, so a result that raced with an invalidation is not kept. */
uint64_t cache_generation(struct config_cache *c);

/* Takes ownership of r (destroys it when not kept). */
void cache_store(struct config_cache *c, const char *key, uint64_t gen,
				 struct rendered *r);

void cache_clear(struct config_cache *c);
void cache_set_enabled(struct config_cache *c, bool on);

#endif
