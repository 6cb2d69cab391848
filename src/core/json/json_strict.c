/*
 * json_strict.c — JSON syntax check and json-c-safe copy (json_strict.h).
 */
#define _POSIX_C_SOURCE 200809L /* strndup */

#include "json/json_strict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "js/js_string.h"

#define MAX_DEPTH 32			/* json-c is given twice as much */

typedef struct scanner
{
	const char *s;
	size_t		len;
	size_t		pos;
	cv_buf		out;
	const char *problem;
	bool		oom;
} scanner;

static bool value(scanner *sc, int depth);

/* Record the first problem (at the current position); returns false. */
static bool
fail(scanner *sc, const char *problem)
{
	if (sc->problem == NULL)
		sc->problem = problem;
	return false;
}

/* Skip JSON white space. */
static void
skip_space(scanner *sc)
{
	while (sc->pos < sc->len &&
		   (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' ||
			sc->s[sc->pos] == '\n' || sc->s[sc->pos] == '\r'))
		sc->pos++;
}

/* Copy the input from from to the current position to the output. */
static bool
emit(scanner *sc, size_t from)
{
	if (!cv_buf_append(&sc->out, sc->s + from, sc->pos - from))
	{
		sc->oom = true;
		return fail(sc, "out of memory");
	}
	return true;
}

/* The value of four hex digits at p, or -1. */
static int
hex4(const char *p)
{
	int			v = 0;

	for (int i = 0; i < 4; i++)
	{
		char		c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* One \u escape (pos at the 'u'); pairs surrogates. */
static bool
unicode_escape(scanner *sc, bool is_key)
{
	int			u;

	if (sc->pos + 5 > sc->len || (u = hex4(sc->s + sc->pos + 1)) < 0)
		return fail(sc, "invalid \\u escape");
	sc->pos += 5;
	if (u == 0 && is_key)
		return fail(sc, "\\u0000 in a member name");
	if (u >= 0xDC00 && u <= 0xDFFF)
		return fail(sc, "lone surrogate in \\u escape");
	if (u >= 0xD800 && u <= 0xDBFF)
	{
		int			lo;

		if (sc->pos + 6 > sc->len || sc->s[sc->pos] != '\\' ||
			sc->s[sc->pos + 1] != 'u' ||
			(lo = hex4(sc->s + sc->pos + 2)) < 0xDC00 || lo > 0xDFFF)
			return fail(sc, "lone surrogate in \\u escape");
		sc->pos += 6;
	}
	return true;
}

/* Scan a string (a member name when is_key). */
static bool
string(scanner *sc, bool is_key)
{
	size_t		start = sc->pos;

	sc->pos++;					/* opening quote */
	while (sc->pos < sc->len)
	{
		unsigned char c = (unsigned char) sc->s[sc->pos];

		if (c == '"')
		{
			sc->pos++;
			if (!cv_utf8_valid(sc->s + start, sc->pos - start))
				return fail(sc, "invalid UTF-8 in a string");
			return emit(sc, start);
		}
		if (c < 0x20)
			return fail(sc, "control character in a string");
		if (c != '\\')
		{
			sc->pos++;
			continue;
		}
		if (++sc->pos >= sc->len)
			break;
		c = (unsigned char) sc->s[sc->pos];
		if (c == 'u')
		{
			if (!unicode_escape(sc, is_key))
				return false;
			continue;
		}
		if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
			return fail(sc, "invalid escape in a string");
		sc->pos++;
	}
	return fail(sc, "unterminated string");
}

/* Scan a run of digits; returns how many. */
static size_t
digits(scanner *sc)
{
	size_t		start = sc->pos;

	while (sc->pos < sc->len && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9')
		sc->pos++;
	return sc->pos - start;
}

/* Scan a number in JSON's grammar, refusing what a double cannot hold. */
static bool
number(scanner *sc)
{
	size_t		start = sc->pos;
	size_t		int_digits;
	bool		integral = true;
	char	   *text;
	double		d;

	if (sc->s[sc->pos] == '-')
		sc->pos++;
	int_digits = digits(sc);
	if (int_digits == 0)
		return fail(sc, "invalid number");
	if (int_digits > 1 && sc->s[sc->pos - int_digits] == '0')
		return fail(sc, "leading zero in a number");
	if (sc->pos < sc->len && sc->s[sc->pos] == '.')
	{
		sc->pos++;
		integral = false;
		if (digits(sc) == 0)
			return fail(sc, "invalid number");
	}
	if (sc->pos < sc->len && (sc->s[sc->pos] == 'e' || sc->s[sc->pos] == 'E'))
	{
		sc->pos++;
		integral = false;
		if (sc->pos < sc->len && (sc->s[sc->pos] == '+' || sc->s[sc->pos] == '-'))
			sc->pos++;
		if (digits(sc) == 0)
			return fail(sc, "invalid number");
	}
	text = strndup(sc->s + start, sc->pos - start);
	if (text == NULL)
		return fail(sc, "out of memory");
	d = strtod(text, NULL);
	free(text);
	if (!isfinite(d))
		return fail(sc, "number out of range");
	if (!emit(sc, start))
		return false;
	/* json-c keeps integers in 64 bits; longer ones must be doubles. */
	if (integral && int_digits > 15 && !cv_buf_append(&sc->out, "e0", 2))
		return fail(sc, "out of memory");
	return true;
}

/* Scan the literal word (true, false, null). */
static bool
literal(scanner *sc, const char *word)
{
	size_t		n = strlen(word);

	if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, word, n) != 0)
		return fail(sc, "unexpected character");
	sc->pos += n;
	return emit(sc, sc->pos - n);
}

/* Scan the character c after white space. */
static bool
punct(scanner *sc, char c)
{
	sc->pos++;
	if (!cv_buf_append(&sc->out, &c, 1))
		return fail(sc, "out of memory");
	return true;
}

/* Scan an object or array, at most the maximum depth deep. */
static bool
container(scanner *sc, int depth, bool is_object)
{
	char		close = is_object ? '}' : ']';

	if (depth >= MAX_DEPTH)
		return fail(sc, "nesting too deep");
	punct(sc, is_object ? '{' : '[');
	skip_space(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == close)
		return punct(sc, close);
	for (;;)
	{
		skip_space(sc);
		if (is_object)
		{
			if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
				return fail(sc, "expected a member name");
			if (!string(sc, true))
				return false;
			skip_space(sc);
			if (sc->pos >= sc->len || sc->s[sc->pos] != ':')
				return fail(sc, "expected ':'");
			punct(sc, ':');
		}
		if (!value(sc, depth + 1))
			return false;
		skip_space(sc);
		if (sc->pos < sc->len && sc->s[sc->pos] == ',')
		{
			punct(sc, ',');
			continue;
		}
		if (sc->pos < sc->len && sc->s[sc->pos] == close)
			return punct(sc, close);
		return fail(sc, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

/* Scan any JSON value. */
static bool
value(scanner *sc, int depth)
{
	char		c;

	skip_space(sc);
	if (sc->pos >= sc->len)
		return fail(sc, "unexpected end of input");
	c = sc->s[sc->pos];
	switch (c)
	{
		case '{':
			return container(sc, depth, true);
		case '[':
			return container(sc, depth, false);
		case '"':
			return string(sc, false);
		case 't':
			return literal(sc, "true");
		case 'f':
			return literal(sc, "false");
		case 'n':
			return literal(sc, "null");
		default:
			if (c == '-' || (c >= '0' && c <= '9'))
				return number(sc);
			return fail(sc, "unexpected character");
	}
}

char *
cv_json_strict_copy(const char *s, size_t len, size_t *offset,
					char *msg, size_t msglen)
{
	scanner		sc;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.len = len;
	if (value(&sc, 0))
	{
		skip_space(&sc);
		if (sc.pos < sc.len)
			fail(&sc, "junk after the JSON value");
		else if (cv_buf_append(&sc.out, "", 0))
			return sc.out.data;
		else
			fail(&sc, "out of memory");
	}
	*offset = sc.oom ? (size_t) -1 : sc.pos;
	snprintf(msg, msglen, "%s", sc.problem ? sc.problem : "out of memory");
	cv_buf_free(&sc.out);
	return NULL;
}
