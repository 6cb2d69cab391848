/*
 * error_quote.c — bounded quotes of client text for error messages
 * (error_quote.h).
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/json.h"

#include "error_quote.h"

/* Bytes of s that hold its first ERROR_QUOTE_MAX_CHARS characters. */
static int
cut_length(const char *s, int len)
{
	int			bytes = 0;

	for (int chars = 0; chars < ERROR_QUOTE_MAX_CHARS && bytes < len; chars++)
	{
		int			w = pg_mblen(s + bytes);

		if (bytes + w > len)	/* a truncated last character: leave it out */
			break;
		bytes += w;
	}
	return bytes;
}

char *
error_text_cut(const char *s, int len)
{
	int			keep = cut_length(s, len);
	char	   *res = palloc(keep + 4);

	memcpy(res, s, keep);
	strcpy(res + keep, keep < len ? "..." : "");
	return res;
}

char *
error_json_quote(const char *s, int len)
{
	int			keep = cut_length(s, len);
	StringInfoData out;

	initStringInfo(&out);
	escape_json(&out, pnstrdup(s, keep));
	if (keep < len)
		appendStringInfoString(&out, "...");
	return out.data;
}
