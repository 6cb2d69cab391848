/*
 * js_string.c — String(), toLowerCase(), string order and the SDK's
 * numeric helpers, reproduced on UTF-8 (see js_string.h).
 */
#include "js/js_string.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ustring.h>

#include "js/js_value.h"

bool
cv_buf_reserve(cv_buf *b, size_t extra)
{
	size_t		need = b->len + extra + 1;
	size_t		cap;
	char	   *p;

	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return false;
	b->data = p;
	b->cap = cap;
	return true;
}

bool
cv_buf_append(cv_buf *b, const char *s, size_t len)
{
	if (!cv_buf_reserve(b, len))
		return false;
	if (len > 0)
		memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
	return true;
}

void
cv_buf_free(cv_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Number::toString, with a fast path for safe integers (most data). */
static bool
append_number(cv_buf *out, double x)
{
	char		buf[CV_JS_NUMBER_BUFSIZE];
	size_t		n;

	if (x == floor(x) && fabs(x) < 9007199254740992.0)
		n = (size_t) snprintf(buf, sizeof(buf), "%.0f", x == 0 ? 0.0 : x);
	else
		n = cv_js_number_to_string(x, buf);
	return cv_buf_append(out, buf, n);
}

/* Array.prototype.join(","): null/undefined elements are empty. */
static bool
append_array_join(cv_buf *out, const cv_jv *v, const cv_jv_ops *ops)
{
	size_t		n = ops->count(v->node);

	for (size_t i = 0; i < n; i++)
	{
		cv_jv		el;

		if (i > 0 && !cv_buf_append(out, ",", 1))
			return false;
		if (!ops->array_get(v->node, i, &el))
			continue;
		if (el.kind == CV_JV_NULL || el.kind == CV_JV_UNDEFINED)
			continue;
		if (!cv_js_append_string_of(out, &el, ops))
			return false;
	}
	return true;
}

bool
cv_js_append_string_of(cv_buf *out, const cv_jv *v, const cv_jv_ops *ops)
{
	switch (v->kind)
	{
		case CV_JV_UNDEFINED:
			return cv_buf_append(out, "undefined", 9);
		case CV_JV_NULL:
			return cv_buf_append(out, "null", 4);
		case CV_JV_BOOL:
			return v->boolean ? cv_buf_append(out, "true", 4)
				: cv_buf_append(out, "false", 5);
		case CV_JV_NUMBER:
			return append_number(out, v->number);
		case CV_JV_STRING:
			return cv_buf_append(out, v->str, v->len);
		case CV_JV_ARRAY:
			return append_array_join(out, v, ops);
		case CV_JV_OBJECT:
			return cv_buf_append(out, "[object Object]", 15);
	}
	return false;
}

/* ICU's root-locale full lower-casing of non-ASCII text. */
static bool
append_lower_icu(cv_buf *out, const char *s, size_t len)
{
	UChar		small_src[256];
	UChar		small_dst[768];
	UChar	   *src = small_src;
	UChar	   *dst = small_dst;
	int32_t		src_len = 0;
	int32_t		dst_len = 0;
	int32_t		out_len = 0;
	int32_t		dst_cap = (int32_t) (sizeof(small_dst) / sizeof(UChar));
	UErrorCode	status = U_ZERO_ERROR;
	bool		ok = false;

	if (len > INT32_MAX / 4)
		return false;
	/* UTF-16 never has more units than the UTF-8 has bytes. */
	if (len > sizeof(small_src) / sizeof(UChar))
	{
		src = malloc(len * sizeof(UChar));
		dst = malloc(len * 3 * sizeof(UChar));
		dst_cap = (int32_t) len * 3;
		if (src == NULL || dst == NULL)
			goto done;
	}
	u_strFromUTF8(src, (int32_t) len, &src_len, s, (int32_t) len, &status);
	if (U_FAILURE(status))
		goto done;
	/* Full lower-casing grows a string at most threefold. */
	dst_len = u_strToLower(dst, dst_cap, src, src_len, "", &status);
	if (U_FAILURE(status))
		goto done;
	u_strToUTF8(NULL, 0, &out_len, dst, dst_len, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
		goto done;
	status = U_ZERO_ERROR;
	if (!cv_buf_reserve(out, (size_t) out_len))
		goto done;
	u_strToUTF8(out->data + out->len, out_len + 1, NULL, dst, dst_len, &status);
	if (U_FAILURE(status))
		goto done;
	out->len += (size_t) out_len;
	out->data[out->len] = '\0';
	ok = true;
done:
	if (src != small_src)
		free(src);
	if (dst != small_dst)
		free(dst);
	return ok;
}

bool
cv_js_append_lower(cv_buf *out, const char *s, size_t len)
{
	size_t		start = out->len;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return append_lower_icu(out, s, len);
	if (!cv_buf_append(out, s, len))
		return false;
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] >= 'A' && out->data[i] <= 'Z')
			out->data[i] += 'a' - 'A';
	return true;
}

/* Decode one code point; returns its length, 0 if malformed. */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	c = s[0];
	size_t		n;
	uint32_t	min;

	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0)
		n = 2, c &= 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 3, c &= 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

bool
cv_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t		i = 0;

	while (i < len)
	{
		uint32_t	cp;
		size_t		n = s[i] < 0x80 ? 1 : utf8_decode(s + i, len - i, &cp);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

size_t
cv_utf8_next(const char *s, size_t len, uint32_t *cp)
{
	size_t		n = utf8_decode((const unsigned char *) s, len, cp);

	if (n == 0)
	{
		*cp = (unsigned char) s[0];
		n = 1;
	}
	return n;
}

bool
cv_buf_append_utf8(cv_buf *out, uint32_t cp)
{
	char		b[4];
	size_t		n;

	if (cp < 0x80)
		b[0] = (char) cp, n = 1;
	else if (cp < 0x800)
		b[0] = (char) (0xC0 | (cp >> 6)), b[1] = (char) (0x80 | (cp & 0x3F)), n = 2;
	else if (cp < 0x10000)
	{
		b[0] = (char) (0xE0 | (cp >> 12));
		b[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char) (0x80 | (cp & 0x3F));
		n = 3;
	}
	else
	{
		b[0] = (char) (0xF0 | (cp >> 18));
		b[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char) (0x80 | (cp & 0x3F));
		n = 4;
	}
	return cv_buf_append(out, b, n);
}

uint32_t
cv_js_canonicalize(uint32_t ch)
{
	UChar		src;
	UChar		dst[4];
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n;

	if (ch < 0x80)
		return (ch >= 'a' && ch <= 'z') ? ch - ('a' - 'A') : ch;
	if (ch > 0xFFFF || (ch >= 0xD800 && ch <= 0xDFFF))
		return ch;
	src = (UChar) ch;
	n = u_strToUpper(dst, 4, &src, 1, "", &status);
	if (U_FAILURE(status) || n != 1 || dst[0] < 0x80)
		return ch;
	return dst[0];
}

bool
cv_js_append_canonical(cv_buf *out, const char *s, size_t len)
{
	size_t		i = 0;

	if (!cv_buf_reserve(out, len))
		return false;
	while (i < len)
	{
		uint32_t	cp;
		size_t		n;

		if ((unsigned char) s[i] < 0x80)
		{
			char		c = s[i++];

			if (!cv_buf_reserve(out, 1))
				return false;
			out->data[out->len++] = (c >= 'a' && c <= 'z') ? c - ('a' - 'A') : c;
			continue;
		}
		n = cv_utf8_next(s + i, len - i, &cp);
		i += n;
		if (!cv_buf_append_utf8(out, cv_js_canonicalize(cp)))
			return false;
	}
	out->data[out->len] = '\0';
	return true;
}

/* First and second UTF-16 code units of a code point (second 0 if none). */
static void
utf16_units(uint32_t cp, uint32_t *hi, uint32_t *lo)
{
	if (cp < 0x10000)
	{
		*hi = cp;
		*lo = 0;
		return;
	}
	*hi = 0xD800 + ((cp - 0x10000) >> 10);
	*lo = 0xDC00 + (cp & 0x3FF);
}

int
cv_js_string_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		n = alen < blen ? alen : blen;
	size_t		i = 0;
	uint32_t	ca, cb, ahi, alo, bhi, blo;

	while (i < n && a[i] == b[i])
		i++;
	if (i == n)
		return alen < blen ? -1 : alen > blen ? 1 : 0;
	/* Back up to the start of the differing code point. */
	while (i > 0 && ((unsigned char) a[i] & 0xC0) == 0x80)
		i--;
	if (utf8_decode((const unsigned char *) a + i, alen - i, &ca) == 0 ||
		utf8_decode((const unsigned char *) b + i, blen - i, &cb) == 0)
		return memcmp(a + i, b + i, 1) < 0 ? -1 : 1;
	utf16_units(ca, &ahi, &alo);
	utf16_units(cb, &bhi, &blo);
	if (ahi != bhi)
		return ahi < bhi ? -1 : 1;
	return alo < blo ? -1 : 1;
}

bool
cv_js_is_blank(const char *s, size_t len)
{
	return cv_js_leading_space(s, len) == len;
}

/* How many ASCII digits start at s[i]. */
static size_t
count_digits(const char *s, size_t len, size_t i)
{
	size_t		start = i;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i - start;
}

/* /^-?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)$/ */
static bool
matches_numeric_pattern(const char *s, size_t len)
{
	size_t		i = (len > 0 && s[0] == '-') ? 1 : 0;
	size_t		d;

	if (i < len && s[i] == '.')
	{
		d = count_digits(s, len, i + 1);
		return d > 0 && i + 1 + d == len;
	}
	d = count_digits(s, len, i);
	if (d == 0)
		return false;
	i += d;
	if (i < len && s[i] == ',')
	{
		if (d > 3)
			return false;
		while (i < len && s[i] == ',')
		{
			if (count_digits(s, len, i + 1) != 3)
				return false;
			i += 4;
		}
	}
	if (i < len && s[i] == '.')
	{
		d = count_digits(s, len, i + 1);
		if (d == 0)
			return false;
		i += 1 + d;
	}
	return i == len;
}

/* parseFloat of s with commas removed (or turned into dots). */
static double
parse_float_commas(const char *s, size_t len, char comma_to)
{
	char		small[128];
	char	   *buf = len < sizeof(small) ? small : malloc(len + 1);
	size_t		n = 0;
	double		result;

	if (buf == NULL)
		return NAN;
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] != ',')
			buf[n++] = s[i];
		else if (comma_to != '\0')
			buf[n++] = comma_to;
	}
	buf[n] = '\0';
	result = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	return result;
}

bool
cv_sdk_string_is_numeric(const char *s, size_t len)
{
	return matches_numeric_pattern(s, len) &&
		isfinite(parse_float_commas(s, len, '\0'));
}

double
cv_sdk_string_to_number(const char *s, size_t len)
{
	bool		zero_first = len >= 2 && s[0] == '0' && s[1] == ',';

	return parse_float_commas(s, len, zero_first ? '.' : '\0');
}
