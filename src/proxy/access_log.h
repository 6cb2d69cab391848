/* One line per request: time, client, method, path, status, bytes,
 * duration and a short note (cache hit, SQLSTATE).  Never headers or the
 * query string, which can carry secrets and debug tokens. */
#ifndef CONVERT_PROXY_ACCESS_LOG_H
#define CONVERT_PROXY_ACCESS_LOG_H

#include <stdbool.h>
#include <stddef.h>

struct access_entry
{
	const char *client;
	const char *method;
	const char *path;
	unsigned status;
	size_t bytes;
	double ms;
	const char *note;
};

/* path: a file name, "-" for stdout, "off" for no log. */
bool access_log_open(const char *path);
void access_log_write(const struct access_entry *e);
void access_log_close(void);

#endif
