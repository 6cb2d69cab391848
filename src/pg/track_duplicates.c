/*
 * track_duplicates.c — keys of the events of one tracking batch; see
 * track_duplicates.h.  Keys are byte strings of any length, hashed whole.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"

#include "track_duplicates.h"

typedef struct DupKey
{
	const char *bytes;
	Size		len;
} DupKey;

/* Hash of a duplicate key's bytes, for the dynahash table. */
static uint32
dup_key_hash(const void *key, Size keysize)
{
	const DupKey *k = key;

	return hash_bytes((const unsigned char *) k->bytes, (int) k->len);
}

/* Equality of duplicate keys (0 when equal), for the dynahash table. */
static int
dup_key_match(const void *a, const void *b, Size keysize)
{
	const DupKey *ka = a;
	const DupKey *kb = b;

	return (ka->len == kb->len && memcmp(ka->bytes, kb->bytes, ka->len) == 0) ? 0 : 1;
}

HTAB *
track_duplicates_create(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(DupKey);
	ctl.entrysize = sizeof(DupKey);
	ctl.hash = dup_key_hash;
	ctl.match = dup_key_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("convert track duplicates", 1024, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

bool
track_duplicates_seen(HTAB *dups, MemoryContext cxt, char kind, int64 a, int64 b,
					  const char *text, Size textlen)
{
	StringInfoData buf;
	DupKey		key;
	bool		found;
	MemoryContext old = MemoryContextSwitchTo(cxt);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, kind);
	appendBinaryStringInfo(&buf, (const char *) &a, sizeof(a));
	appendBinaryStringInfo(&buf, (const char *) &b, sizeof(b));
	appendBinaryStringInfo(&buf, text, (int) textlen);
	MemoryContextSwitchTo(old);
	key.bytes = buf.data;
	key.len = buf.len;
	hash_search(dups, &key, HASH_ENTER, &found);
	if (found)
		pfree(buf.data);
	return found;
}
