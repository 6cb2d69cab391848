/*
 * json_strict.h — an RFC 8259 syntax check in front of json-c.
 *
 * json-c accepts things JSON.parse rejects (single quotes, NaN) and clamps
 * integers beyond 64 bits, while the SDK sees JSON.parse's doubles.  This
 * pass rejects what JSON.parse rejects (plus lone surrogate escapes and
 * "\u0000" in member names, which UTF-8 C strings cannot carry, and
 * numbers that overflow a double) and returns a copy in which long
 * integer literals are marked as doubles ("e0" appended), so json-c
 * rounds them exactly as JSON.parse does.
 */
#ifndef CONVERT_JSON_STRICT_H
#define CONVERT_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Check s (len bytes); on success returns a malloc'd NUL-terminated copy
 * ready for json-c.  On failure returns NULL with the byte offset and a
 * message (NULL with *offset == (size_t) -1 means out of memory).
 */
char	   *cv_json_strict_copy(const char *s, size_t len, size_t *offset,
								char *msg, size_t msglen);

#endif
