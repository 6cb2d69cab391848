/* routes.c — Matching a path and method to a public route (routes.h). */
#include "routes.h"

#include <string.h>

struct route_def
{
	const char *path;
	bool prefix; /* path is a prefix followed by the key */
	enum route_kind kind;
	unsigned methods;
	const char *allow;
};

static const struct route_def ROUTES[] = {
	{"/healthz", false, R_HEALTH, M_GET | M_HEAD, "GET, HEAD"},
	{"/api/v1/config/", true, R_CONFIG, M_GET | M_HEAD | M_OPTIONS,
	 "GET, HEAD, OPTIONS"},
	{"/v1/track/", true, R_TRACK, M_POST | M_OPTIONS, "POST, OPTIONS"},
};

enum method
method_of(const char *m)
{
	static const struct
	{
		const char *name;
		enum method m;
	} M[] = {
		{"GET", M_GET},
		{"HEAD", M_HEAD},
		{"POST", M_POST},
		{"OPTIONS", M_OPTIONS},
	};

	for (size_t i = 0; i < sizeof M / sizeof M[0]; i++)
		if (strcmp(m, M[i].name) == 0)
			return M[i].m;
	return M_OTHER;
}

/* Copies a run of 1-18 digits (fits bigint) ending at stop; returns the
 * character after it, or NULL. */
static const char *
take_id(const char *s, char stop, char *dst)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n > 18 || s[n] != stop)
		return NULL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return s + n;
}

/* "<digits>/<digits>" followed by exactly suffix. */
static bool
ids_then(const char *tail, const char *suffix, struct route *r)
{
	const char *p = take_id(tail, '/', r->account);

	if (p == NULL)
		return false;
	p = take_id(p + 1, suffix[0], r->project);
	return p != NULL && strcmp(p, suffix) == 0;
}

/* {account_id}/{project_id}/basic is the one route whose ids the proxy
 * reads; every other tail is an SDK key, passed on verbatim. */
static void
set_ids(const char *tail, struct route *r)
{
	if (r->kind == R_CONFIG && ids_then(tail, "/basic", r))
		r->kind = R_CONFIG_BASIC;
}

void
route_match(const char *path, struct route *r)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++)
	{
		const struct route_def *d = &ROUTES[i];
		size_t n = strlen(d->path);

		if (d->prefix ? strncmp(path, d->path, n) != 0 || path[n] == '\0' :
						strcmp(path, d->path) != 0)
			continue;
		r->kind = d->kind;
		r->methods = d->methods;
		r->allow = d->allow;
		r->key = path + (d->prefix ? n : strlen(path));
		if (d->prefix)
			set_ids(r->key, r);
		return;
	}
}
