/*
 * test_fuzz_corpus.c — replays the fuzzers' saved corpora
 * (test/fuzz/corpus/<target>) through the fuzz targets under ASan/UBSan:
 * every input must run without a crash, leak or abort.
 */
#define _POSIX_C_SOURCE 200809L /* opendir */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/* The targets' entry points (test/fuzz/fuzz_*.c, built with CV_FUZZ_REPLAY). */
int			fuzz_rules_input(const uint8_t *data, size_t size);
int			fuzz_config_input(const uint8_t *data, size_t size);
int			fuzz_track_input(const uint8_t *data, size_t size);

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

/* Every file of corpus/<target> through the target; at least `least` of them. */
static void
replay(const char *fixtures_dir, const char *target,
	   int (*one) (const uint8_t *, size_t), int least)
{
	char		dir[4096];
	DIR		   *d;
	struct dirent *ent;
	int			replayed = 0;

	snprintf(dir, sizeof(dir), "%s/../fuzz/corpus/%s", fixtures_dir, target);
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
		CHECK_INT(one(data, size), 0);
		replayed++;
		free(data);
	}
	closedir(d);
	CHECK_REPORT(replayed >= least, "only %d %s corpus inputs replayed", replayed, target);
}

void
test_fuzz_corpus(const char *fixtures_dir)
{
	replay(fixtures_dir, "rules", fuzz_rules_input, 10);
	replay(fixtures_dir, "config", fuzz_config_input, 10);
	replay(fixtures_dir, "track", fuzz_track_input, 10);
}
