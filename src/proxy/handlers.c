/* handlers.c — The handlers of the routes (handlers.h): config (with the
 * cache), track, health and CORS preflight. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_keys.h"
#include "dbcall.h"
#include "http_headers.h"
#include "rendered.h"
#include "responses.h"

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static const char *
query(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* The database's answer when it is not a 200: its status and body. */
static enum MHD_Result
queue_db_result(struct server *srv, struct MHD_Connection *c,
				struct request *rq, const struct db_result *res)
{
	struct MHD_Response *r = json_response(res->body, res->len, "no-store");

	if (res->sqlstate[0])
		snprintf(rq->note, sizeof rq->note, "sqlstate=%s", res->sqlstate);
	if (r != NULL && res->status == 503)
		MHD_add_response_header(r, "Retry-After", "1");
	return queue_response(srv, c, rq, (unsigned) res->status, r, res->len);
}

struct config_request
{
	const char *authorization;
	const char *debug_token;
	const char *environment;
	bool low_cache;
	bool want_gzip;
	const char *if_none_match;
};

/* What a config request asks: secret, debug token (header before query),
 * environment, cache level, gzip, If-None-Match. */
static void
read_config_request(struct MHD_Connection *c, struct config_request *q)
{
	const char *low = query(c, "_conv_low_cache");

	q->authorization = header(c, "Authorization");
	q->debug_token = header(c, "convert-debug-token");
	if (q->debug_token == NULL)
		q->debug_token = query(c, "debug_token");
	q->environment = query(c, "environment");
	q->low_cache = low != NULL && strcmp(low, "0") != 0;
	q->want_gzip = accepts_gzip(header(c, "Accept-Encoding"));
	q->if_none_match = header(c, "If-None-Match");
}

/* The key is passed verbatim: "{account_id}/{project_id}" is resolved by
 * project_config_by_sdk_key itself (an SDK key first, docs/serving.md).  An
 * answer to be cached for an environment comes with the key's
 * environment list. */
static void
fetch_config(struct server *srv, const struct route *rt,
			 const struct config_request *q, bool shared,
			 struct db_result *out)
{
	if (rt->kind == R_CONFIG_BASIC)
	{
		const char *p[] = {rt->account, rt->project};

		db_read(srv->reads, ST_CONFIG_BASIC, p, out);
		return;
	}
	const char *pk[] = {rt->key, q->environment, q->authorization,
						q->debug_token};

	db_read(srv->reads, shared ? ST_CONFIG_KEY_ENVS : ST_CONFIG_KEY, pk, out);
}

/* Only answers that are the same for every caller may be cached or
 * shared: no secret, no debug token, no request for a fresh copy. */
static bool
is_public(const struct config_request *q)
{
	return q->authorization == NULL && q->debug_token == NULL && !q->low_cache;
}

/* Cache-Control of a config: no-cache with a debug token or
 * _conv_low_cache, private with a secret, else public. */
static void
cache_control_for(const struct server *srv, const struct config_request *q,
				  char *dst, size_t len)
{
	if (q->debug_token != NULL || q->low_cache)
		snprintf(dst, len, "no-cache");
	else
		snprintf(dst, len, "%s, max-age=%d",
				 q->authorization ? "private" : "public",
				 srv->settings->max_age_s);
}

/* Is the answer the same for every environment (basic route, or none asked
 * for)? */
static bool
without_environment(const struct route *rt, const char *env)
{
	return rt->kind == R_CONFIG_BASIC || env == NULL || env[0] == '\0';
}

/* The cache key a public request falls under, or NULL when the key's
 * environment list, which decides it, is not cached. */
static char *
lookup_key(struct server *srv, const struct route *rt, const char *env)
{
	char *list_key;
	bool have, known = false;

	if (without_environment(rt, env))
		return cache_key(rt, "-", NULL);
	if ((list_key = cache_key(rt, "E", NULL)) == NULL)
		return NULL;
	have = cache_env_known(srv->cache, list_key, env, &known);
	free(list_key);
	return have ? cache_key(rt, known ? "=" : "*", env) : NULL;
}

/* Keep a fresh answer (taking r) and the environment list that came with
 * it, read before the call at generation gen. */
static void
keep(struct server *srv, const struct route *rt, const char *env,
	 const struct db_result *res, uint64_t gen, struct rendered *r)
{
	struct env_list *l =
		res->extra != NULL ? env_list_parse(res->extra, res->extra_len) : NULL;
	char *key = NULL, *list_key;

	if (without_environment(rt, env))
		key = cache_key(rt, "-", NULL);
	else if (l != NULL)
		key = cache_key(rt, env_list_has(l, env) ? "=" : "*", env);
	if (l != NULL && (list_key = cache_key(rt, "E", NULL)) != NULL)
	{
		cache_store_envs(srv->cache, list_key, gen, l);
		free(list_key);
	}
	else
		env_list_free(l);
	if (key != NULL)
		cache_store(srv->cache, key, gen, r);
	else
		rendered_destroy(r);
	free(key);
}

struct send_args
{
	struct MHD_Connection *c;
	const struct config_request *q;
	unsigned status;
	size_t bytes;
	enum MHD_Result ret;
};

/* cache_serve's callback: send a kept answer on the connection. */
static void
send_cached(const struct rendered *r, void *arg)
{
	struct send_args *a = arg;

	a->ret = rendered_send(a->c, r, a->q->want_gzip, a->q->if_none_match,
						   &a->status, &a->bytes);
}

/* Answer from the cache when key is there; false when it is not. */
static bool
serve_from_cache(struct server *srv, struct MHD_Connection *c,
				 struct request *rq, const struct config_request *q,
				 const char *key, enum MHD_Result *ret)
{
	struct send_args a = {c, q, 0, 0, MHD_NO};

	if (!cache_serve(srv->cache, key, send_cached, &a))
		return false;
	rq->status = a.status;
	rq->bytes = a.bytes;
	snprintf(rq->note, sizeof rq->note, "cache=hit");
	*ret = a.ret;
	return true;
}

/* Send the database's answer and hand its rendering to out, for the cache. */
static enum MHD_Result
send_fresh(struct server *srv, struct MHD_Connection *c, struct request *rq,
		   const struct config_request *q, const struct db_result *res,
		   struct rendered **out)
{
	char cc[48];
	struct rendered *r;
	struct send_args a = {c, q, 0, 0, MHD_NO};

	cache_control_for(srv, q, cc, sizeof cc);
	r = rendered_create(res->body, res->len, cc);
	*out = r;
	if (r == NULL)
		return queue_error(srv, c, rq, 500, "internal error");
	if (atomic_load(&srv->draining))
	{
		MHD_add_response_header(r->plain, "Connection", "close");
		if (r->gz != NULL)
			MHD_add_response_header(r->gz, "Connection", "close");
	}
	send_cached(r, &a);
	rq->status = a.status;
	rq->bytes = a.bytes;
	return a.ret;
}

enum MHD_Result
handle_config(struct server *srv, struct MHD_Connection *c, struct request *rq)
{
	struct config_request q;
	struct db_result res;
	struct rendered *r = NULL;
	enum MHD_Result ret;
	bool shared, hit;
	char *key;
	uint64_t gen;

	read_config_request(c, &q);
	shared = is_public(&q) && !atomic_load(&srv->draining) &&
			 srv->settings->cache_ttl_s > 0;
	key = shared ? lookup_key(srv, &rq->route, q.environment) : NULL;
	hit = key != NULL && serve_from_cache(srv, c, rq, &q, key, &ret);
	free(key);
	if (hit)
		return ret;
	gen = cache_generation(srv->cache);
	fetch_config(srv, &rq->route, &q,
				 shared && !without_environment(&rq->route, q.environment),
				 &res);
	if (res.status != 200)
		ret = queue_db_result(srv, c, rq, &res);
	else
		ret = send_fresh(srv, c, rq, &q, &res, &r);
	if (res.status == 200 && res.source != NULL)
		snprintf(rq->note, sizeof rq->note, "db=%s", res.source);
	if (r != NULL && shared)
		keep(srv, &rq->route, q.environment, &res, gen, r);
	else
		rendered_destroy(r);
	db_result_free(&res);
	return ret;
}

enum MHD_Result
handle_track(struct server *srv, struct MHD_Connection *c, struct request *rq)
{
	const struct route *rt = &rq->route;
	struct db_result res;
	enum MHD_Result ret;
	const char *body = rq->body ? rq->body : "";

	/* Parameters are C strings: a NUL byte would cut the body short. */
	if (memchr(body, '\0', rq->body_len) != NULL)
		return queue_error(srv, c, rq, 400, "malformed request data");
	const char *pk[] = {rt->key, body, header(c, "Authorization")};

	/* No retry: a batch the server may have stored is not sent twice by
	 * us; the SDK resends a failed batch itself.  As for configs, the key
	 * function resolves the {account_id}/{project_id} form. */
	db_call(srv->pool, ST_TRACK_KEY, pk, false, &res);
	ret = queue_db_result(srv, c, rq, &res);
	db_result_free(&res);
	return ret;
}

enum MHD_Result
handle_health(struct server *srv, struct MHD_Connection *c, struct request *rq)
{
	struct db_result res;
	enum MHD_Result ret;

	db_call(srv->pool, ST_HEALTH, NULL, true, &res);
	ret = queue_db_result(srv, c, rq, &res);
	db_result_free(&res);
	return ret;
}

enum MHD_Result
handle_preflight(struct server *srv, struct MHD_Connection *c,
				 struct request *rq)
{
	struct MHD_Response *r = empty_response();

	if (r != NULL)
	{
		MHD_add_response_header(r, "Access-Control-Allow-Methods",
								rq->route.allow);
		MHD_add_response_header(r, "Access-Control-Allow-Headers",
								"Authorization, Content-Type, "
								"convert-debug-token, If-None-Match");
		MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
	}
	return queue_response(srv, c, rq, MHD_HTTP_NO_CONTENT, r, 0);
}
