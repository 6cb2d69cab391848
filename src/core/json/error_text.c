/*
 * error_text.c — bounded client text in error messages (error_text.h).
 */
#include "json/error_text.h"

#include <string.h>

/* Whether c is a continuation byte of UTF-8 (its top bits are 10). */
static int
is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/*
 * Bytes of s (len bytes) that hold its first CV_QUOTE_MAX_CHARS characters
 * (a character counted as at most 4 bytes, whatever the input).
 */
static size_t
cut_length(const char *s, size_t len)
{
	size_t		n = 0;

	for (int chars = 0; n < len && chars < CV_QUOTE_MAX_CHARS; chars++)
	{
		size_t		start = n++;

		while (n < len && n - start < 4 && is_continuation((unsigned char) s[n]))
			n++;
	}
	return n;
}

const char *
cv_quote_cut(char dst[CV_QUOTE_BUF], const char *s)
{
	size_t		len = strlen(s);
	size_t		keep = cut_length(s, len);

	dst[0] = '"';
	memcpy(dst + 1, s, keep);
	strcpy(dst + 1 + keep, keep < len ? "\"..." : "\"");
	return dst;
}

const char *
cv_quote_json(char dst[CV_QUOTE_JSON_BUF], const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		keep = cut_length(s, len);
	size_t		o = 0;

	dst[o++] = '"';
	for (size_t i = 0; i < keep; i++)
	{
		unsigned char c = (unsigned char) s[i];
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
			: c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;

		if (esc != NULL)
		{
			memcpy(dst + o, esc, 2);
			o += 2;
		}
		else if (c < 0x20)
		{
			memcpy(dst + o, "\\u00", 4);
			dst[o + 4] = hex[c >> 4];
			dst[o + 5] = hex[c & 15];
			o += 6;
		}
		else
			dst[o++] = (char) c;
	}
	strcpy(dst + o, keep < len ? "\"..." : "\"");
	return dst;
}

void
cv_utf8_trim_end(char *s)
{
	size_t		len = strlen(s);
	size_t		start = len;
	size_t		need;
	unsigned char lead;

	/* back to the last character's first byte (at most 3 continuations) */
	while (start > 0 && len - start < 4 && is_continuation((unsigned char) s[start - 1]))
		start--;
	if (start == 0)
		return;
	lead = (unsigned char) s[start - 1];
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (len - (start - 1) < need)
		s[start - 1] = '\0';
}
