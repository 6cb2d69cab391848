/* Settings of convert-proxy: command-line flags, each with an environment
 * variable fallback (flags win), and the defaults documented in docs/proxy.md. */
#ifndef CONVERT_PROXY_SETTINGS_H
#define CONVERT_PROXY_SETTINGS_H

#include <stddef.h>

/* Most --read-db servers one proxy reads from. */
#define MAX_READ_DB 16

struct proxy_settings
{
	char listen_host[64]; /* numeric IPv4 or IPv6 address */
	unsigned short listen_port;
	const char *conninfo;  /* "" means libpq's PG* environment variables */
	int pool_size;		   /* database connections */
	int queue_size;		   /* requests that may wait for a connection */
	int queue_timeout_ms;  /* longest wait for a connection, then 503 */
	int max_connections;   /* concurrent HTTP connections */
	size_t body_limit;	   /* largest request body, bytes (413 above) */
	int header_timeout_s;  /* time to send a complete request header */
	int request_timeout_s; /* time to send a whole request */
	int min_body_rate;	   /* bytes/s a body must average, 0 = any */
	int max_connections_per_client; /* per client address, 0 = any */
	int idle_timeout_s;				/* longest silence on a connection */
	int shutdown_timeout_s;	  /* how long in-flight requests may finish */
	int statement_timeout_ms; /* PostgreSQL statement_timeout per call */
	int cache_ttl_s;		  /* in-process config cache lifetime, 0 = off */
	int cache_entries;		  /* most configs the cache holds */
	int max_age_s;			  /* Cache-Control max-age of configs */
	const char *access_log;	  /* path, "-" for stdout, "off" for none */
	const char *read_db[MAX_READ_DB]; /* read servers' connection strings */
	int n_read_db;
	long max_lag_bytes;	   /* read servers further behind are skipped */
	int pgbouncer;		   /* 1: no session state (transaction pooling) */
	const char *listen_db; /* LISTEN connection; NULL = conninfo */
};

/* Fill *s from defaults, the environment and argv.  Returns 0 on success,
 * 1 when --help was asked for (usage printed), -1 on a bad value (message
 * in err). */
int settings_parse(int argc, char **argv, struct proxy_settings *s, char *err,
				   size_t errlen);

void settings_usage(const char *prog);

#endif
