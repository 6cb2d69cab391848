/* cache_keys.c — Building the config cache's keys (cache_keys.h). */
#include "cache_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cache key: route kind, path key, entry kind and environment, joined
 * with 0x1f. */
static char *
key_of(enum route_kind kind, const char *path_key, const char *what,
	   const char *env)
{
	size_t n = strlen(path_key) + strlen(what) + (env ? strlen(env) : 0) + 16;
	char *k = malloc(n);

	if (k != NULL)
		snprintf(k, n, "%d\x1f%s\x1f%s%s", (int) kind, path_key, what,
				 env ? env : "");
	return k;
}

char *
cache_key(const struct route *rt, const char *what, const char *env)
{
	return key_of(rt->kind, rt->key, what,
				  strcmp(what, "=") == 0 ? env : NULL);
}

char *
cache_key_prefix(const char *sdk_key)
{
	return key_of(R_CONFIG, sdk_key, "", NULL);
}
