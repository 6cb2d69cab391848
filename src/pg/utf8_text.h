/*
 * utf8_text.h — the UTF-8 bytes of a text value, whatever the database
 * encoding, because the SDK hashes UTF-8.
 */
#ifndef CONVERT_PG_UTF8_TEXT_H
#define CONVERT_PG_UTF8_TEXT_H

#include "postgres.h"

typedef struct Utf8Bytes
{
	const char *data;
	int			len;
} Utf8Bytes;

/* Borrowed from t when the database is UTF-8 (or SQL_ASCII); else palloc'd. */
extern Utf8Bytes text_utf8_bytes(text *t);

/* The same for a C string of the given length in the server encoding. */
extern Utf8Bytes server_string_utf8_bytes(const char *s, int len);

/* A text value, in the server encoding, from UTF-8 bytes. */
extern text *utf8_bytes_to_text(const char *s, int len);

#endif
