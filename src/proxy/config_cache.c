#include "config_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define BUCKETS 256

struct entry {
	struct entry *next;
	char *key;
	long long expires_ms;
	struct rendered *r;
};

struct config_cache {
	pthread_rwlock_t lock;
	struct entry *buckets[BUCKETS];
	int count;
	int max_entries;
	int ttl_s;
	bool enabled;
	uint64_t generation;
};

struct config_cache *cache_create(int ttl_s, int max_entries)
{
	struct config_cache *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	pthread_rwlock_init(&c->lock, NULL);
	c->ttl_s = ttl_s;
	c->max_entries = max_entries;
	return c;
}

static unsigned bucket_of(const char *key)
{
	unsigned h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char) *key) * 16777619u;
	return h % BUCKETS;
}

static void free_entry(struct entry *e)
{
	rendered_destroy(e->r);
	free(e->key);
	free(e);
}

/* Caller holds the write lock. */
static void clear_locked(struct config_cache *c)
{
	for (int i = 0; i < BUCKETS; i++) {
		struct entry *e = c->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free_entry(e);
		}
		c->buckets[i] = NULL;
	}
	c->count = 0;
	c->generation++;
}

void cache_destroy(struct config_cache *c)
{
	if (c == NULL)
		return;
	clear_locked(c);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}

static struct entry *find(struct config_cache *c, const char *key)
{
	struct entry *e = c->buckets[bucket_of(key)];

	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->next;
	return e;
}

bool cache_serve(struct config_cache *c, const char *key,
				 void (*send)(const struct rendered *, void *), void *arg)
{
	struct entry *e;
	bool hit = false;

	pthread_rwlock_rdlock(&c->lock);
	e = c->enabled ? find(c, key) : NULL;
	if (e != NULL && e->expires_ms > now_ms()) {
		/* Queueing inside the lock: the entry cannot be destroyed before
		 * libmicrohttpd has taken its reference to the response. */
		send(e->r, arg);
		hit = true;
	}
	pthread_rwlock_unlock(&c->lock);
	return hit;
}

uint64_t cache_generation(struct config_cache *c)
{
	uint64_t g;

	pthread_rwlock_rdlock(&c->lock);
	g = c->generation;
	pthread_rwlock_unlock(&c->lock);
	return g;
}

static void unlink_key(struct config_cache *c, const char *key)
{
	struct entry **pp = &c->buckets[bucket_of(key)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->key, key) == 0) {
			struct entry *e = *pp;

			*pp = e->next;
			free_entry(e);
			c->count--;
			return;
		}
}

void cache_store(struct config_cache *c, const char *key, uint64_t gen,
				 struct rendered *r)
{
	struct entry *e = calloc(1, sizeof *e);

	pthread_rwlock_wrlock(&c->lock);
	if (e == NULL || !c->enabled || c->ttl_s <= 0 || gen != c->generation ||
		(e->key = strdup(key)) == NULL) {
		pthread_rwlock_unlock(&c->lock);
		rendered_destroy(r);
		free(e);
		return;
	}
	unlink_key(c, key);
	if (c->count >= c->max_entries)
		clear_locked(c);
	e->r = r;
	e->expires_ms = now_ms() + (long long) c->ttl_s * 1000;
	e->next = c->buckets[bucket_of(key)];
	c->buckets[bucket_of(key)] = e;
	c->count++;
	pthread_rwlock_unlock(&c->lock);
}

void cache_clear(struct config_cache *c)
{
	pthread_rwlock_wrlock(&c->lock);
	clear_locked(c);
	pthread_rwlock_unlock(&c->lock);
}

void cache_set_enabled(struct config_cache *c, bool on)
{
	pthread_rwlock_wrlock(&c->lock);
	clear_locked(c);
	c->enabled = on && c->ttl_s > 0;
	pthread_rwlock_unlock(&c->lock);
}
