/* The environments a project knows, as convert.config_environments reports
 * them for an SDK key: every other environment is served alike, so the
 * config cache keeps all of those under one entry. */
#ifndef CONVERT_PROXY_ENV_LIST_H
#define CONVERT_PROXY_ENV_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct env_list
{
	size_t n;
	char **names; /* sorted by strcmp */
};

/* Parses "<bytes>:<name>" repeated (the proxy's statement encodes the
 * array so; "" is an empty list).  NULL on malformed text or no memory. */
struct env_list *env_list_parse(const char *text, size_t len);
void env_list_free(struct env_list *l);

bool env_list_has(const struct env_list *l, const char *name);

#endif
