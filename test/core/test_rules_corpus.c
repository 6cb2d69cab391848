/*
 * test_rules_corpus.c — replays the fuzzer's saved corpus
 * (test/fuzz/corpus/rules) through the fuzz target under ASan/UBSan:
 * every input must run without a crash, leak or abort.
 */
#define _POSIX_C_SOURCE 200809L /* opendir */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *
read_file(const char *path, size_t *size)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *data = NULL;
	long		n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
		(data = malloc((size_t) n + 1)) != NULL)
		*size = fread(data, 1, (size_t) n, f);
	fclose(f);
	return data;
}

void
test_rules_corpus(const char *fixtures_dir)
{
	char		dir[4096];
	DIR		   *d;
	struct dirent *ent;
	int			replayed = 0;

	snprintf(dir, sizeof(dir), "%s/../fuzz/corpus/rules", fixtures_dir);
	d = opendir(dir);
	CHECK_REPORT(d != NULL, "cannot open %s", dir);
	if (d == NULL)
		return;
	while ((ent = readdir(d)) != NULL)
	{
		char		path[8192];
		size_t		size = 0;
		unsigned char *data;

		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		data = read_file(path, &size);
		CHECK_REPORT(data != NULL, "cannot read %s", path);
		if (data == NULL)
			continue;
		/* A finding aborts the whole run; reaching here is the pass. */
		CHECK_INT(LLVMFuzzerTestOneInput(data, size), 0);
		replayed++;
		free(data);
	}
	closedir(d);
	CHECK_REPORT(replayed >= 10, "only %d corpus inputs replayed", replayed);
}
