/*
 * utf8_text.c — convert server-encoded text to the UTF-8 bytes the SDK
 * hashes.
 *
 * In a UTF-8 database this is free: the bytes are used in place.  In any
 * other encoding the text is converted, so "visitor-äöü-1" buckets the same
 * in a LATIN1 database as in the SDK.  SQL_ASCII has no known encoding; its
 * bytes are hashed as they are (documented in docs/sdk-compatibility.md).
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "utf8_text.h"

Utf8Bytes
server_string_utf8_bytes(const char *s, int len)
{
	Utf8Bytes	out;
	int			encoding = GetDatabaseEncoding();

	out.data = s;
	out.len = len;
	if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII && len > 0)
	{
		char	   *converted = pg_server_to_any(s, len, PG_UTF8);

		if (converted != s)
		{
			out.data = converted;
			out.len = strlen(converted);
		}
	}
	return out;
}

Utf8Bytes
text_utf8_bytes(text *t)
{
	return server_string_utf8_bytes(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

text *
utf8_bytes_to_text(const char *s, int len)
{
	int			encoding = GetDatabaseEncoding();

	if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII && len > 0)
	{
		char	   *converted = pg_any_to_server(s, len, PG_UTF8);

		if (converted != s)
			return cstring_to_text(converted);
	}
	return cstring_to_text_with_len(s, len);
}
