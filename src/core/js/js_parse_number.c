/*
 * js_parse_number.c — parseInt / parseFloat (js_parse_number.h).
 *
 * The digits are handed to strtod, which rounds correctly as V8 does; the
 * JavaScript white-space set comes from js_value.h so it is defined once.
 */
#include "js/js_parse_number.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "js/js_value.h"

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

double
cv_js_parse_int(const char *s, size_t len)
{
	size_t		i = cv_js_leading_space(s, len);
	bool		negative = false;
	size_t		start;
	double		d;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		negative = s[i++] == '-';
	if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
	{
		start = i;
		i += 2;
		while (i < len && is_hex(s[i]))
			i++;
		if (i == start + 2)
			return NAN;
		/* C's strtod reads "0x..." hexadecimal, correctly rounded. */
		d = cv_js_strtod(s + start, i - start);
	}
	else
	{
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return NAN;
		d = cv_js_strtod(s + start, i - start);
	}
	return negative ? -d : d;
}

/* Length of the StrUnsignedDecimalLiteral prefix of s (0 if none). */
static size_t
decimal_prefix(const char *s, size_t len)
{
	size_t		i = 0;
	size_t		digits = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		size_t		e = i + 1;

		if (e < len && (s[e] == '+' || s[e] == '-'))
			e++;
		if (e < len && s[e] >= '0' && s[e] <= '9')
		{
			while (e < len && s[e] >= '0' && s[e] <= '9')
				e++;
			i = e;
		}
	}
	return i;
}

double
cv_js_parse_float(const char *s, size_t len)
{
	size_t		i = cv_js_leading_space(s, len);
	bool		negative = false;
	size_t		n;
	double		d;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		negative = s[i++] == '-';
	if (len - i >= 8 && memcmp(s + i, "Infinity", 8) == 0)
		return negative ? -INFINITY : INFINITY;
	n = decimal_prefix(s + i, len - i);
	if (n == 0)
		return NAN;
	d = cv_js_strtod(s + i, n);
	return negative ? -d : d;
}
