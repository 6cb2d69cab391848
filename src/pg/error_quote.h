/*
 * error_quote.h — client text quoted in error messages, cut to a bounded
 * number of characters so that a message never echoes megabytes of what a
 * client sent (docs/tracking.md, "Payload accepted").
 */
#ifndef CONVERT_PG_ERROR_QUOTE_H
#define CONVERT_PG_ERROR_QUOTE_H

#include "postgres.h"

/* Most characters of client text a message quotes. */
#define ERROR_QUOTE_MAX_CHARS 100

/*
 * The first ERROR_QUOTE_MAX_CHARS characters of s (len bytes in the
 * server encoding), cut on a character boundary, with "..." appended when
 * something was cut; palloc'd.
 */
extern char *error_text_cut(const char *s, int len);

/* The same, written as a JSON string literal ("..." follows the quote). */
extern char *error_json_quote(const char *s, int len);

#endif
