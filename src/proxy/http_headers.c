/* http_headers.c — Parsing Accept-Encoding and If-None-Match, and computing
 * entity tags (http_headers.h). */
#include "http_headers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The q value of one list element's parameters ("; q=0.5"), 1 if none. */
static double
q_value(const char *params, const char *end)
{
	const char *q;

	for (q = params; q < end; q++)
		if ((*q == 'q' || *q == 'Q') && q + 1 < end && q[1] == '=')
			return strtod(q + 2, NULL);
	return 1.0;
}

bool
accepts_gzip(const char *ae)
{
	const char *s = ae;

	while (s != NULL && *s)
	{
		const char *start = skip_ws(s), *end = strchr(start, ',');
		size_t n = 0;

		if (end == NULL)
			end = start + strlen(start);
		while (start + n < end && start[n] != ';' && start[n] != ' ' &&
			   start[n] != '\t')
			n++;
		if (((n == 4 && strncasecmp(start, "gzip", 4) == 0) ||
			 (n == 1 && start[0] == '*')) &&
			q_value(start + n, end) > 0)
			return true;
		s = *end ? end + 1 : end;
	}
	return false;
}

/* Compares the tag starting at s (length n) with etag, ignoring a W/. */
static bool
same_tag(const char *s, size_t n, const char *etag)
{
	if (n >= 2 && s[0] == 'W' && s[1] == '/')
	{
		s += 2;
		n -= 2;
	}
	return strlen(etag) == n && strncmp(s, etag, n) == 0;
}

bool
etag_matches(const char *inm, const char *etag)
{
	const char *s = inm;

	while (s != NULL && *s)
	{
		const char *start = skip_ws(s), *end = strchr(start, ',');
		size_t n;

		if (end == NULL)
			end = start + strlen(start);
		n = (size_t) (end - start);
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
			n--;
		if ((n == 1 && start[0] == '*') || same_tag(start, n, etag))
			return true;
		s = *end ? end + 1 : end;
	}
	return false;
}

/* 64-bit FNV-1a: fast and well spread; the length is part of the tag too,
 * so two bodies must agree in both to share a tag. */
static uint64_t
fnv1a64(const char *p, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void
etag_of(const char *body, size_t len, const char *suffix, char *dst,
		size_t dstlen)
{
	snprintf(dst, dstlen, "\"%zx-%016llx%s\"", len,
			 (unsigned long long) fnv1a64(body, len), suffix);
}
