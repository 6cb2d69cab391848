/*
 * error_text.h — client text in error messages, bounded: a message quotes
 * at most CV_QUOTE_MAX_CHARS characters of what a client sent, and a
 * message cut to its buffer never ends inside a UTF-8 character (the
 * server refuses to print such bytes).
 */
#ifndef CONVERT_ERROR_TEXT_H
#define CONVERT_ERROR_TEXT_H

#include <stddef.h>

#define CV_QUOTE_MAX_CHARS 100

/* Room for the longest quote: 4 bytes per character, quotes, "..." and NUL. */
#define CV_QUOTE_BUF (CV_QUOTE_MAX_CHARS * 4 + 6)

/*
 * The first CV_QUOTE_MAX_CHARS characters of the UTF-8 string s in double
 * quotes in dst, followed by ... when s is longer ("abc"...); returns dst.
 */
const char *cv_quote_cut(char dst[CV_QUOTE_BUF], const char *s);

/* Room for the longest JSON quote: 6 bytes per character (\u001f), quotes, "...", NUL. */
#define CV_QUOTE_JSON_BUF (CV_QUOTE_MAX_CHARS * 6 + 6)

/*
 * The first CV_QUOTE_MAX_CHARS characters of s (UTF-8, len bytes) as a
 * JSON string literal, escaped as PostgreSQL's escape_json does, followed
 * by ... when s is longer; returns dst.
 */
const char *cv_quote_json(char dst[CV_QUOTE_JSON_BUF], const char *s, size_t len);

/* Drop the incomplete UTF-8 character that truncation left at the end of s. */
void		cv_utf8_trim_end(char *s);

#endif
