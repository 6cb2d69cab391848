/*
 * test_murmurhash3.c — the hash against the reference values of
 * docs/sdk-behaviour.md ("Hashing"), and the streaming form against the
 * one-shot form at every split point.
 */
#include "check.h"
#include "bucketing/murmurhash3.h"

static void
check_known_hashes(void)
{
	CHECK_INT(cv_murmur3_32("", 0, 9999), 3523940263u);
	CHECK_INT(cv_murmur3_32("", 0, 0), 0);
	CHECK_INT(cv_murmur3_32("abc", 3, 0), 3017643002u);
	CHECK_INT(cv_murmur3_32("abc", 3, 9999), 3277137089u);
	CHECK_INT(cv_murmur3_32("hello", 5, 12345), 1321914039u);
	/* U+FFFD, what a lone surrogate becomes under TextEncoder */
	CHECK_INT(cv_murmur3_32("a\xEF\xBF\xBD" "b", 5, 9999), 3796144993u);
}

/* Hashing a ++ b in two parts must equal hashing the whole, at any split. */
static void
check_streaming_splits(void)
{
	const char *text = "100349071visitor-\xC3\xA4\xC3\xB6\xC3\xBC-1";
	size_t		len = strlen(text);
	uint32_t	whole = cv_murmur3_32(text, len, 9999);

	for (size_t split = 0; split <= len; split++)
		CHECK_INT(cv_murmur3_32_pair(text, split, text + split, len - split, 9999),
				  whole);

	/* three parts, each shorter than a block */
	{
		cv_murmur3_state st;

		cv_murmur3_init(&st, 9999);
		cv_murmur3_update(&st, text, 1);
		cv_murmur3_update(&st, text + 1, 2);
		cv_murmur3_update(&st, text + 3, len - 3);
		CHECK_INT(cv_murmur3_final(&st), whole);
	}
}

void
test_murmurhash3(void)
{
	check_known_hashes();
	check_streaming_splits();
}
