/* Keys of the config cache: "<route kind>\x1f<path key>\x1f<what>", where
 * <what> is "E" for the key's environment list, "-" for no environment,
 * "*" for every environment its project does not know (they are served
 * alike, so an outsider cycling made-up environments adds one entry), and
 * "=<name>" for one it knows.  Only keys that were served are stored, and
 * SDK keys cannot contain the separator. */
#ifndef CONVERT_PROXY_CACHE_KEYS_H
#define CONVERT_PROXY_CACHE_KEYS_H

#include "routes.h"

/* malloc'd; env is used only with what "=". */
char *cache_key(const struct route *rt, const char *what, const char *env);

/* The prefix of every entry cached for a config requested by sdk_key. */
char *cache_key_prefix(const char *sdk_key);

#endif
