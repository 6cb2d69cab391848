/*
 * fuzz_input.h — the input layout the fuzz targets share: a document,
 * optionally followed by a NUL byte and a JSON document (properties).
 */
#ifndef CONVERT_FUZZ_INPUT_H
#define CONVERT_FUZZ_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/*
 * *head_len: the bytes before the first NUL (all of them without one);
 * returns what follows the NUL parsed as JSON, or NULL.
 */
static inline struct json_object *
fuzz_split_input(const uint8_t *data, size_t size, size_t *head_len)
{
	const uint8_t *nul = memchr(data, '\0', size);
	struct json_object *tail = NULL;
	char	   *copy;
	size_t		tail_len;

	*head_len = nul ? (size_t) (nul - data) : size;
	if (nul == NULL)
		return NULL;
	/* The tail is not NUL-terminated: parse a copy. */
	tail_len = size - *head_len - 1;
	copy = malloc(tail_len + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, nul + 1, tail_len);
	copy[tail_len] = '\0';
	tail = json_tokener_parse(copy);
	free(copy);
	return tail;
}

/* libFuzzer's entry point, calling fn; left out when the core suite replays corpora. */
#ifdef CV_FUZZ_REPLAY
#define FUZZ_ENTRY_POINT(fn)
#else
#define FUZZ_ENTRY_POINT(fn) \
	int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fn(data, size); }
#endif

#endif
