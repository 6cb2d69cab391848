/*
 * js_value.c — JavaScript truthiness, ToNumber and Number::toString.
 *
 * Everything follows ECMAScript's definitions, because the official SDK's
 * answers depend on them: a traffic allocation of "50" is 50, of "abc" is
 * NaN, and a numeric id is keyed by its shortest round-trip decimal form.
 */
#include "js/js_value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JavaScript truthiness of a scalar. */
bool
cv_js_truthy(const cv_js_scalar *v)
{
	switch (v->kind)
	{
		case CV_JS_BOOL:
			return v->boolean;
		case CV_JS_NUMBER:
			return v->number != 0 && !isnan(v->number);
		case CV_JS_STRING:
			return v->len > 0;
		default:
			return false;
	}
}

/* JavaScript Number() of a scalar. */
double
cv_js_to_number(const cv_js_scalar *v)
{
	switch (v->kind)
	{
		case CV_JS_NULL:
			return 0;
		case CV_JS_BOOL:
			return v->boolean ? 1 : 0;
		case CV_JS_NUMBER:
			return v->number;
		case CV_JS_STRING:
			return cv_js_string_to_number(v->str, v->len);
		default:
			return NAN;
	}
}

/*
 * Length of the JavaScript white space or line terminator starting at s
 * (ECMAScript's WhiteSpace and LineTerminator productions), or 0.
 */
static size_t
js_space_len(const unsigned char *s, size_t len)
{
	if (len >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (len >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
		return 2;				/* U+00A0 */
	if (len < 3)
		return 0;
	if (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return 3;				/* U+FEFF */
	if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
		return 3;				/* U+1680 */
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;				/* U+3000 */
	if (s[0] == 0xE2 && s[1] == 0x80 &&
		((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 ||
		 s[2] == 0xAF))
		return 3;				/* U+2000..200A, U+2028, U+2029, U+202F */
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
		return 3;				/* U+205F */
	return 0;
}

/* Trailing counterpart of js_space_len: the space ending at s + len. */
static size_t
js_trailing_space_len(const unsigned char *s, size_t len)
{
	for (size_t n = 1; n <= 3 && n <= len; n++)
	{
		if (js_space_len(s + len - n, n) == n)
			return n;
	}
	return 0;
}

/* Is c a digit of the given radix? */
static bool
is_digit_in_radix(unsigned char c, int radix)
{
	if (radix == 16)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			(c >= 'A' && c <= 'F');
	return c >= '0' && c < '0' + radix;
}

/* "0x1F", "0o17", "0b101": unsigned integer literals with a radix prefix. */
static double
radix_literal_to_number(const unsigned char *s, size_t len, int radix)
{
	uint64_t	exact = 0;
	double		approx = 0;
	bool		overflow = false;

	if (len == 0)
		return NAN;
	for (size_t i = 0; i < len; i++)
	{
		unsigned	c = s[i];
		unsigned	digit;

		if (!is_digit_in_radix(c, radix))
			return NAN;
		digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
		if (exact > (UINT64_MAX - digit) / (uint64_t) radix)
			overflow = true;
		exact = exact * radix + digit;
		approx = approx * radix + digit;
	}
	/* uint64 -> double conversion rounds to nearest, as JavaScript does. */
	return overflow ? approx : (double) exact;
}

/* Does s match StrDecimalLiteral without its sign and without Infinity? */
static bool
is_decimal_literal(const unsigned char *s, size_t len)
{
	size_t		i = 0;
	size_t		int_digits = 0;
	size_t		frac_digits = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, int_digits++;
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, frac_digits++;
	}
	if (int_digits + frac_digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		size_t		exp_digits = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, exp_digits++;
		if (exp_digits == 0)
			return false;
	}
	return i == len;
}

/* strtod needs a terminated copy; long inputs get a heap buffer. */
double
cv_js_strtod(const char *s, size_t len)
{
	char		small[128];
	char	   *buf = len < sizeof(small) ? small : malloc(len + 1);
	double		result;

	if (buf == NULL)
		return NAN;
	memcpy(buf, s, len);
	buf[len] = '\0';
	result = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	return result;
}

size_t
cv_js_leading_space(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t		total = 0;
	size_t		n;

	while ((n = js_space_len(s + total, len - total)) > 0)
		total += n;
	return total;
}

void
cv_js_trim(const char **str, size_t *len)
{
	size_t		lead = cv_js_leading_space(*str, *len);
	size_t		n;

	*str += lead;
	*len -= lead;
	while ((n = js_trailing_space_len((const unsigned char *) *str, *len)) > 0)
		*len -= n;
}

/* JavaScript Number() of a string. */
double
cv_js_string_to_number(const char *str, size_t len)
{
	const unsigned char *s;
	bool		negative = false;

	cv_js_trim(&str, &len);
	s = (const unsigned char *) str;
	if (len == 0)
		return 0;

	if (len > 2 && s[0] == '0')
	{
		switch (s[1])
		{
			case 'x': case 'X':
				return radix_literal_to_number(s + 2, len - 2, 16);
			case 'o': case 'O':
				return radix_literal_to_number(s + 2, len - 2, 8);
			case 'b': case 'B':
				return radix_literal_to_number(s + 2, len - 2, 2);
		}
	}

	if (s[0] == '+' || s[0] == '-')
	{
		negative = s[0] == '-';
		s++, len--;
	}
	if (len == 8 && memcmp(s, "Infinity", 8) == 0)
		return negative ? -INFINITY : INFINITY;
	if (!is_decimal_literal(s, len))
		return NAN;
	return negative ? -cv_js_strtod((const char *) s, len)
		: cv_js_strtod((const char *) s, len);
}

/*
 * Shortest decimal digits that round-trip to x (x finite and > 0):
 * fills digits (NUL-terminated, no dot) and returns the decimal exponent n
 * such that x = 0.d1d2...dk * 10^n.
 */
static int
shortest_digits(double x, char *digits)
{
	char		buf[40];

	for (int precision = 1; precision <= 17; precision++)
	{
		snprintf(buf, sizeof(buf), "%.*e", precision - 1, x);
		if (strtod(buf, NULL) == x || precision == 17)
			break;
	}

	/* buf is "d.ddde[+-]xx" or "de[+-]xx" */
	{
		char	   *e = strchr(buf, 'e');
		int			exp10 = atoi(e + 1);
		size_t		k = 0;

		for (char *p = buf; p < e; p++)
			if (*p != '.')
				digits[k++] = *p;
		while (k > 1 && digits[k - 1] == '0')
			k--;
		digits[k] = '\0';
		return exp10 + 1;
	}
}

/* Write count '0' characters at out; returns the end. */
static char *
append_zeros(char *out, int count)
{
	for (int i = 0; i < count; i++)
		*out++ = '0';
	return out;
}

/* Write len bytes of s at out; returns the end. */
static char *
append_str(char *out, const char *s, size_t len)
{
	memcpy(out, s, len);
	return out + len;
}

/* ECMAScript Number::toString(x) with radix 10; buf needs CV_JS_NUMBER_BUFSIZE. */
size_t
cv_js_number_to_string(double x, char *buf)
{
	char		digits[24];
	char	   *out = buf;
	int			n;
	int			k;

	if (isnan(x))
		return (size_t) sprintf(buf, "NaN");
	if (x == 0)
		return (size_t) sprintf(buf, "0");
	if (isinf(x))
		return (size_t) sprintf(buf, x < 0 ? "-Infinity" : "Infinity");
	if (x < 0)
	{
		*out++ = '-';
		x = -x;
	}

	n = shortest_digits(x, digits);
	k = (int) strlen(digits);

	if (k <= n && n <= 21)
		out = append_zeros(append_str(out, digits, k), n - k);
	else if (0 < n && n <= 21)
	{
		out = append_str(out, digits, n);
		*out++ = '.';
		out = append_str(out, digits + n, k - n);
	}
	else if (-6 < n && n <= 0)
	{
		out = append_zeros(append_str(out, "0.", 2), -n);
		out = append_str(out, digits, k);
	}
	else
	{
		*out++ = digits[0];
		if (k > 1)
		{
			*out++ = '.';
			out = append_str(out, digits + 1, k - 1);
		}
		out += sprintf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	*out = '\0';
	return (size_t) (out - buf);
}

/*
 * Is s a canonical array index (ECMAScript: "0" or a decimal without
 * leading zero, value <= 2^32 - 2)?  Object keys of that form are iterated
 * first, in ascending numeric order, which decides the packed walk's order.
 */
bool
cv_js_array_index(const char *s, size_t len, uint32_t *index)
{
	uint64_t	value = 0;

	if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		value = value * 10 + (uint64_t) (s[i] - '0');
	}
	if (value > 4294967294u)
		return false;
	*index = (uint32_t) value;
	return true;
}
