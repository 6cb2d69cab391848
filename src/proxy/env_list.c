/* env_list.c — Parsing and searching a key's environment list (env_list.h). */
#include "env_list.h"

#include <stdlib.h>
#include <string.h>

/* strcmp on elements of the sorted name array, for qsort and bsearch. */
static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Reads "<digits>:" at *pos; returns the length or -1. */
static long
take_length(const char *text, size_t len, size_t *pos)
{
	long n = 0;
	size_t i = *pos;

	while (i < len && text[i] >= '0' && text[i] <= '9' && n < 1000000)
		n = n * 10 + (text[i++] - '0');
	if (i == *pos || i >= len || text[i] != ':')
		return -1;
	*pos = i + 1;
	return n;
}

/* Append a copy of the n bytes at s to the list. */
static bool
add_name(struct env_list *l, const char *s, size_t n)
{
	char **grown = realloc(l->names, (l->n + 1) * sizeof *grown);

	if (grown == NULL)
		return false;
	l->names = grown;
	if ((l->names[l->n] = malloc(n + 1)) == NULL)
		return false;
	memcpy(l->names[l->n], s, n);
	l->names[l->n][n] = '\0';
	l->n++;
	return true;
}

struct env_list *
env_list_parse(const char *text, size_t len)
{
	struct env_list *l = calloc(1, sizeof *l);
	size_t pos = 0;

	while (l != NULL && pos < len)
	{
		long n = take_length(text, len, &pos);

		if (n < 0 || (size_t) n > len - pos ||
			memchr(text + pos, '\0', (size_t) n) != NULL ||
			!add_name(l, text + pos, (size_t) n))
		{
			env_list_free(l);
			return NULL;
		}
		pos += (size_t) n;
	}
	if (l != NULL && l->n > 1)
		qsort(l->names, l->n, sizeof *l->names, compare_names);
	return l;
}

void
env_list_free(struct env_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l);
}

bool
env_list_has(const struct env_list *l, const char *name)
{
	return l->n > 0 && bsearch(&name, l->names, l->n, sizeof *l->names,
							   compare_names) != NULL;
}
