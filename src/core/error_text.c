/*
 * error_text.c — bounded client text in error messages (error_text.h).
 */
#include "error_text.h"

#include <string.h>

/* Whether c continues a UTF-8 sequence (10xxxxxx). */
static int
is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

const char *
cv_quote_cut(char dst[CV_QUOTE_BUF], const char *s)
{
	size_t		n = 0;
	int			chars = 0;

	while (s[n] != '\0' && chars < CV_QUOTE_MAX_CHARS)
	{
		n++;
		while (is_continuation((unsigned char) s[n]) && n < CV_QUOTE_MAX_CHARS * 4)
			n++;
		chars++;
	}
	dst[0] = '"';
	memcpy(dst + 1, s, n);
	strcpy(dst + 1 + n, s[n] != '\0' ? "\"..." : "\"");
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
