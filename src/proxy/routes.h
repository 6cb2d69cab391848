/* The public routes (docs/proxy.md): which one a path is, which methods it
 * takes, and the ids or SDK key in it. */
#ifndef CONVERT_PROXY_ROUTES_H
#define CONVERT_PROXY_ROUTES_H

#include <stdbool.h>

enum route_kind
{
	R_NONE,
	R_HEALTH,
	R_CONFIG,
	R_CONFIG_BASIC,
	R_TRACK
};

enum method
{
	M_GET = 1,
	M_HEAD = 2,
	M_POST = 4,
	M_OPTIONS = 8,
	M_OTHER = 16
};

struct route
{
	enum route_kind kind;
	unsigned methods;  /* allowed enum method bits */
	const char *allow; /* the same, as an Allow header */
	const char *key;   /* the path after the prefix (SDK key) */
	char account[20];  /* R_CONFIG_BASIC: the ids in the path */
	char project[20];
};

/* Fills *r; kind R_NONE when no route has this path.  r->key points into
 * path. */
void route_match(const char *path, struct route *r);

enum method method_of(const char *method);

#endif
