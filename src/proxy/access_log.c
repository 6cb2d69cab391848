/* access_log.c — The access log (access_log.h): one line per request,
 * written with a single fprintf so lines never mix. */
#include "access_log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static FILE *log_file;

bool
access_log_open(const char *path)
{
	if (strcmp(path, "off") == 0)
		return true;
	log_file = strcmp(path, "-") == 0 ? stdout : fopen(path, "a");
	if (log_file == NULL)
		return false;
	setvbuf(log_file, NULL, _IOLBF, 0);
	return true;
}

/* Close the log file; stdout is only flushed. */
void
access_log_close(void)
{
	if (log_file != NULL && log_file != stdout)
		fclose(log_file);
	else if (log_file != NULL)
		fflush(log_file);
	log_file = NULL;
}

/* Paths are percent-decoded by the HTTP library: escape anything that is
 * not printable ASCII so that one request is always one line. */
static void
escape_into(char *dst, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 5 < cap; s++)
	{
		unsigned char ch = (unsigned char) *s;

		if (ch < 0x21 || ch > 0x7e || ch == '\\' || ch == '"')
			n += (size_t) snprintf(dst + n, cap - n, "\\x%02x", ch);
		else
			dst[n++] = (char) ch;
	}
	dst[n] = '\0';
}

/* Write one line for a finished request (nothing when logging is off). */
void
access_log_write(const struct access_entry *e)
{
	char when[32], path[512], method[32];
	time_t t;
	struct tm tm;

	if (log_file == NULL)
		return;
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	escape_into(path, sizeof path, e->path);
	escape_into(method, sizeof method, e->method);
	/* One fprintf per line: stdio locks the stream, lines never mix. */
	fprintf(log_file, "%s %s \"%s %s\" %u %zu %.2fms %s\n", when, e->client,
			method, path, e->status, e->bytes, e->ms, e->note);
}
