/* config_cache.c — The in-process config cache (config_cache.h): a hash
 * table of entries with a TTL, a least-recently-used list, and a generation
 * that refuses answers read before the last clear. */
#include "config_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define BUCKETS 1024

/* A rendered config, or (r == NULL) the environment list of a key. */
struct entry
{
	struct entry *next;			 /* hash chain */
	struct entry *newer, *older; /* recency list */
	char *key;
	long long expires_ms;
	struct rendered *r;
	struct env_list *envs;
};

/* One mutex, not a read-write lock: every hit moves its entry to the front
 * of the recency list. */
struct config_cache
{
	pthread_mutex_t lock;
	struct entry *buckets[BUCKETS];
	struct entry *newest, *oldest;
	int count;
	int max_entries;
	int ttl_s;
	bool enabled;
	uint64_t generation;
};

/* An empty cache keeping answers ttl_s seconds, at most max_entries; off
 * until cache_set_enabled. */
struct config_cache *
cache_create(int ttl_s, int max_entries)
{
	struct config_cache *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->ttl_s = ttl_s;
	c->max_entries = max_entries;
	return c;
}

/* FNV-1a hash of key, reduced to a bucket of the table. */
static unsigned
bucket_of(const char *key)
{
	unsigned h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char) *key) * 16777619u;
	return h % BUCKETS;
}

/* Take e out of the recency list. */
static void
unlink_recency(struct config_cache *c, struct entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

/* Make e the most recently used entry. */
static void
push_newest(struct config_cache *c, struct entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

/* Caller holds the lock: unlink e everywhere and free it. */
static void
remove_entry(struct config_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[bucket_of(e->key)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	unlink_recency(c, e);
	rendered_destroy(e->r);
	env_list_free(e->envs);
	free(e->key);
	free(e);
	c->count--;
}

/* Drop every entry and start a new generation, so answers read before now
 * are not kept (lock held). */
static void
clear_locked(struct config_cache *c)
{
	while (c->oldest != NULL)
		remove_entry(c, c->oldest);
	c->generation++;
}

void
cache_destroy(struct config_cache *c)
{
	if (c == NULL)
		return;
	clear_locked(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* A fresh entry of key, made the most recently used; NULL on a miss. */
static struct entry *
touch(struct config_cache *c, const char *key)
{
	struct entry *e = c->enabled ? c->buckets[bucket_of(key)] : NULL;

	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->next;
	if (e == NULL || e->expires_ms <= now_ms())
		return NULL;
	unlink_recency(c, e);
	push_newest(c, e);
	return e;
}

bool
cache_serve(struct config_cache *c, const char *key,
			void (*send)(const struct rendered *, void *), void *arg)
{
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	e = touch(c, key);
	/* Queueing inside the lock: the entry cannot be destroyed before
	 * libmicrohttpd has taken its reference to the response. */
	if (e != NULL && e->r != NULL)
		send(e->r, arg);
	pthread_mutex_unlock(&c->lock);
	return e != NULL && e->r != NULL;
}

bool
cache_env_known(struct config_cache *c, const char *key, const char *env,
				bool *known)
{
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	e = touch(c, key);
	if (e != NULL && e->envs != NULL)
		*known = env_list_has(e->envs, env);
	pthread_mutex_unlock(&c->lock);
	return e != NULL && e->envs != NULL;
}

uint64_t
cache_generation(struct config_cache *c)
{
	uint64_t g;

	pthread_mutex_lock(&c->lock);
	g = c->generation;
	pthread_mutex_unlock(&c->lock);
	return g;
}

/* Keeps r or l under key unless the cache moved on; false if not kept. */
static bool
store(struct config_cache *c, const char *key, uint64_t gen,
	  struct rendered *r, struct env_list *l)
{
	struct entry *e = calloc(1, sizeof *e), *old;

	pthread_mutex_lock(&c->lock);
	if (e == NULL || !c->enabled || c->ttl_s <= 0 || gen != c->generation ||
		(e->key = strdup(key)) == NULL)
	{
		pthread_mutex_unlock(&c->lock);
		free(e);
		return false;
	}
	for (old = c->buckets[bucket_of(key)]; old != NULL; old = old->next)
		if (strcmp(old->key, key) == 0)
		{
			remove_entry(c, old);
			break;
		}
	while (c->count >= c->max_entries && c->oldest != NULL)
		remove_entry(c, c->oldest);
	e->r = r;
	e->envs = l;
	e->expires_ms = now_ms() + (long long) c->ttl_s * 1000;
	e->next = c->buckets[bucket_of(key)];
	c->buckets[bucket_of(key)] = e;
	push_newest(c, e);
	c->count++;
	pthread_mutex_unlock(&c->lock);
	return true;
}

void
cache_store(struct config_cache *c, const char *key, uint64_t gen,
			struct rendered *r)
{
	if (!store(c, key, gen, r, NULL))
		rendered_destroy(r);
}

/* Keep a key's environment list (taking l), unless the cache moved past
 * generation gen. */
void
cache_store_envs(struct config_cache *c, const char *key, uint64_t gen,
				 struct env_list *l)
{
	if (!store(c, key, gen, NULL, l))
		env_list_free(l);
}

void
cache_drop_prefix(struct config_cache *c, const char *prefix)
{
	size_t n = strlen(prefix);

	pthread_mutex_lock(&c->lock);
	for (struct entry *e = c->oldest, *newer; e != NULL; e = newer)
	{
		newer = e->newer;
		if (strncmp(e->key, prefix, n) == 0)
			remove_entry(c, e);
	}
	/* A read that started before the change must not store its result. */
	c->generation++;
	pthread_mutex_unlock(&c->lock);
}

void
cache_clear(struct config_cache *c)
{
	pthread_mutex_lock(&c->lock);
	clear_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* Turn the cache on (only with a TTL) or off, dropping every entry either
 * way. */
void
cache_set_enabled(struct config_cache *c, bool on)
{
	pthread_mutex_lock(&c->lock);
	clear_locked(c);
	c->enabled = on && c->ttl_s > 0;
	pthread_mutex_unlock(&c->lock);
}
