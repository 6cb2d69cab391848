/* Flags and environment variables.  One table describes every setting,
 * so the usage text, the flag parser and the environment lookup agree. */
#include "settings.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind
{
	K_LISTEN,
	K_STRING,
	K_INT,
	K_SIZE,
	K_LONG,
	K_BOOL,
	K_READ_DB
};

struct setting
{
	const char *flag; /* without the leading "--" */
	const char *env;
	enum kind kind;
	size_t offset;
	long min, max;
	const char *help;
};

#define OFF(f) offsetof(struct proxy_settings, f)

static const struct setting SETTINGS[] = {
	{"listen", "CONVERT_PROXY_LISTEN", K_LISTEN, 0, 0, 0,
	 "address:port to listen on (default 127.0.0.1:8080)"},
	{"db", "CONVERT_PROXY_DB", K_STRING, OFF(conninfo), 0, 0,
	 "libpq connection string (default: libpq's PG* variables)"},
	{"read-db", "CONVERT_PROXY_READ_DB", K_READ_DB, 0, 0, 0,
	 "a read server's connection string, repeatable; env: several "
	 "separated by ';' (default none: everything on --db)"},
	{"max-lag-bytes", "CONVERT_PROXY_MAX_LAG_BYTES", K_LONG,
	 OFF(max_lag_bytes), 0, 1L << 40,
	 "read servers further behind the primary's WAL are skipped, 0 = any "
	 "(default 16777216)"},
	{"pgbouncer", "CONVERT_PROXY_PGBOUNCER", K_BOOL, OFF(pgbouncer), 0, 0,
	 "on: connections go through a transaction-pooling PgBouncer, so no "
	 "prepared statement or session setting is used (default off)"},
	{"listen-db", "CONVERT_PROXY_LISTEN_DB", K_STRING, OFF(listen_db), 0, 0,
	 "direct connection string for LISTEN, the config cache's "
	 "notifications (default: --db; with --pgbouncer on and no "
	 "--listen-db the cache is off)"},
	{"pool-size", "CONVERT_PROXY_POOL_SIZE", K_INT, OFF(pool_size), 1, 1000,
	 "connections to each database server (default 4)"},
	{"queue", "CONVERT_PROXY_QUEUE", K_INT, OFF(queue_size), 0, 100000,
	 "requests that may wait for a connection, then 503 (default 64)"},
	{"queue-timeout", "CONVERT_PROXY_QUEUE_TIMEOUT", K_INT,
	 OFF(queue_timeout_ms), 1, 600000,
	 "milliseconds a request may wait for a connection (default 5000)"},
	{"max-connections", "CONVERT_PROXY_MAX_CONNECTIONS", K_INT,
	 OFF(max_connections), 1, 100000,
	 "concurrent HTTP connections (default 256)"},
	{"body-limit", "CONVERT_PROXY_BODY_LIMIT", K_SIZE, OFF(body_limit), 1,
	 1L << 30, "largest request body in bytes, 413 above (default 8388608)"},
	{"header-timeout", "CONVERT_PROXY_HEADER_TIMEOUT", K_INT,
	 OFF(header_timeout_s), 1, 3600,
	 "seconds to send a whole request header (default 10)"},
	{"request-timeout", "CONVERT_PROXY_REQUEST_TIMEOUT", K_INT,
	 OFF(request_timeout_s), 1, 3600,
	 "seconds to send a whole request, header and body (default 30)"},
	{"min-body-rate", "CONVERT_PROXY_MIN_BODY_RATE", K_INT, OFF(min_body_rate),
	 0, 1 << 30,
	 "slowest body upload in bytes/s after its first second, 0 = any "
	 "(default 1024)"},
	{"max-connections-per-client", "CONVERT_PROXY_MAX_CONNECTIONS_PER_CLIENT",
	 K_INT, OFF(max_connections_per_client), 0, 100000,
	 "concurrent HTTP connections from one address, 0 = any (default 64)"},
	{"idle-timeout", "CONVERT_PROXY_IDLE_TIMEOUT", K_INT, OFF(idle_timeout_s),
	 1, 3600, "seconds of silence before a connection is closed (default 30)"},
	{"shutdown-timeout", "CONVERT_PROXY_SHUTDOWN_TIMEOUT", K_INT,
	 OFF(shutdown_timeout_s), 0, 3600,
	 "seconds in-flight requests get on SIGTERM/SIGINT (default 10)"},
	{"statement-timeout", "CONVERT_PROXY_STATEMENT_TIMEOUT", K_INT,
	 OFF(statement_timeout_ms), 0, 3600000,
	 "PostgreSQL statement_timeout in ms, 0 = none (default 10000)"},
	{"cache-ttl", "CONVERT_PROXY_CACHE_TTL", K_INT, OFF(cache_ttl_s), 0, 86400,
	 "seconds a rendered config is kept in memory, 0 = off (default 30)"},
	{"cache-entries", "CONVERT_PROXY_CACHE_ENTRIES", K_INT, OFF(cache_entries),
	 1, 1000000,
	 "configs kept in memory; the least recently used go first "
	 "(default 1024)"},
	{"max-age", "CONVERT_PROXY_MAX_AGE", K_INT, OFF(max_age_s), 0, 86400,
	 "Cache-Control max-age of configs in seconds (default 60)"},
	{"access-log", "CONVERT_PROXY_ACCESS_LOG", K_STRING, OFF(access_log), 0, 0,
	 "access log file, - for stdout, off for none (default -)"},
};

#define N_SETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])

/* The defaults listed in docs/proxy.md. */
static void
set_defaults(struct proxy_settings *s)
{
	memset(s, 0, sizeof *s);
	strcpy(s->listen_host, "127.0.0.1");
	s->listen_port = 8080;
	s->conninfo = "";
	s->pool_size = 4;
	s->queue_size = 64;
	s->queue_timeout_ms = 5000;
	s->max_connections = 256;
	s->body_limit = 8388608;
	s->header_timeout_s = 10;
	s->request_timeout_s = 30;
	s->min_body_rate = 1024;
	s->max_connections_per_client = 64;
	s->idle_timeout_s = 30;
	s->shutdown_timeout_s = 10;
	s->statement_timeout_ms = 10000;
	s->cache_ttl_s = 30;
	s->cache_entries = 1024;
	s->max_age_s = 60;
	s->access_log = "-";
	s->max_lag_bytes = 16777216;
}

/* "host:port", "[v6]:port" or ":port" (keeps the default host). */
static int
parse_listen(const char *v, struct proxy_settings *s)
{
	const char *colon = strrchr(v, ':');
	const char *host = v;
	size_t hlen;
	char *end;
	long port;

	if (colon == NULL)
		return -1;
	hlen = (size_t) (colon - v);
	if (hlen >= 2 && v[0] == '[' && v[hlen - 1] == ']')
	{
		host = v + 1;
		hlen -= 2;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
		return -1;
	if (hlen >= sizeof s->listen_host)
		return -1;
	if (hlen > 0)
	{
		memcpy(s->listen_host, host, hlen);
		s->listen_host[hlen] = '\0';
	}
	s->listen_port = (unsigned short) port;
	return 0;
}

/* on/off, true/false or 1/0 into *out; -1 for anything else. */
static int
parse_bool(const char *v, int *out)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0 ||
			 strcmp(v, "false") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* Add one read server (at most MAX_READ_DB; an empty one is an error). */
static int
add_read_db(const char *v, struct proxy_settings *s)
{
	if (v[0] == '\0' || s->n_read_db >= MAX_READ_DB)
		return -1;
	s->read_db[s->n_read_db++] = v;
	return 0;
}

/* The environment variable holds several connection strings separated by
 * ';', split into a static copy (settings live as long as the process). */
static int
split_read_db(const char *v, struct proxy_settings *s)
{
	static char copy[8192];
	char *save = NULL, *item;

	if (strlen(v) >= sizeof copy)
		return -1;
	strcpy(copy, v);
	for (item = strtok_r(copy, ";", &save); item != NULL;
		 item = strtok_r(NULL, ";", &save))
	{
		while (*item == ' ')
			item++;
		if (*item != '\0' && add_read_db(item, s) != 0)
			return -1;
	}
	return 0;
}

/* Store value v of setting d in s; -1 when it is invalid. */
static int
apply(const struct setting *d, const char *v, struct proxy_settings *s)
{
	char *end;
	long n;

	switch (d->kind)
	{
	case K_LISTEN:
		return parse_listen(v, s);
	case K_READ_DB:
		return add_read_db(v, s);
	case K_BOOL:
		return parse_bool(v, (int *) ((char *) s + d->offset));
	case K_STRING:
		*(const char **) ((char *) s + d->offset) = v;
		return 0;
	case K_INT:
	case K_SIZE:
	case K_LONG:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || *end || end == v || n < d->min || n > d->max)
			return -1;
		if (d->kind == K_INT)
			*(int *) ((char *) s + d->offset) = (int) n;
		else if (d->kind == K_LONG)
			*(long *) ((char *) s + d->offset) = n;
		else
			*(size_t *) ((char *) s + d->offset) = (size_t) n;
		return 0;
	}
	return -1;
}

/* The setting a --flag names, or NULL. */
static const struct setting *
find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (strlen(SETTINGS[i].flag) == len &&
			strncmp(SETTINGS[i].flag, name, len) == 0)
			return &SETTINGS[i];
	return NULL;
}

/* Apply the settings given in the environment; flags, applied later, win. */
static int
apply_env(struct proxy_settings *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
	{
		const char *v = getenv(SETTINGS[i].env);
		int rc = 0;

		if (v != NULL)
			rc = SETTINGS[i].kind == K_READ_DB ? split_read_db(v, s) :
												 apply(&SETTINGS[i], v, s);
		if (rc != 0)
		{
			snprintf(err, errlen, "invalid value for %s", SETTINGS[i].env);
			return -1;
		}
	}
	return 0;
}

/* Accepts "--flag value" and "--flag=value". */
static int
apply_flags(int argc, char **argv, struct proxy_settings *s, char *err,
			size_t errlen)
{
	bool read_db_flag = false;

	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i], *eq, *v;
		const struct setting *d;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return 1;
		if (strncmp(a, "--", 2) != 0)
		{
			snprintf(err, errlen, "unexpected argument \"%s\"", a);
			return -1;
		}
		eq = strchr(a + 2, '=');
		d = find_flag(a + 2, eq ? (size_t) (eq - a - 2) : strlen(a + 2));
		if (d == NULL)
		{
			snprintf(err, errlen, "unknown option \"%s\"", a);
			return -1;
		}
		if (eq == NULL && i + 1 >= argc)
		{
			snprintf(err, errlen, "option --%s needs a value", d->flag);
			return -1;
		}
		v = eq ? eq + 1 : argv[++i];
		/* --read-db flags replace the environment's list. */
		if (d->kind == K_READ_DB && !read_db_flag)
		{
			read_db_flag = true;
			s->n_read_db = 0;
		}
		if (apply(d, v, s) != 0)
		{
			snprintf(err, errlen, "invalid value for --%s", d->flag);
			return -1;
		}
	}
	return 0;
}

int
settings_parse(int argc, char **argv, struct proxy_settings *s, char *err,
			   size_t errlen)
{
	int rc;

	set_defaults(s);
	if (apply_env(s, err, errlen) != 0)
		return -1;
	rc = apply_flags(argc, argv, s, err, errlen);
	if (rc == 1)
		settings_usage(argv[0]);
	return rc;
}

/* Print --help: every flag with its environment variable. */
void
settings_usage(const char *prog)
{
	printf("usage: %s [--option value]...\n\n", prog);
	printf("Serves convert's config and track routes over HTTP.\n\n");
	for (size_t i = 0; i < N_SETTINGS; i++)
		printf("  --%-28s %s\n  %-30s env %s\n", SETTINGS[i].flag,
			   SETTINGS[i].help, "", SETTINGS[i].env);
}
