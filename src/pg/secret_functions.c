/*
 * secret_functions.c — the two primitives that SDK-key secrets and debug
 * tokens need and that SQL alone does not offer safely:
 *
 *   convert_internal.random_bytes(n int) → bytea        pg_strong_random, for salts,
 *                                               generated keys and tokens
 *   convert_internal.secret_equal(a bytea, b bytea) → boolean
 *                                               comparison whose time does not
 *                                               depend on where a and b differ
 *
 * Both are internal: the install script revokes them from PUBLIC and only the
 * SECURITY DEFINER access functions call them.
 */
#include "postgres.h"

#include "fmgr.h"
#include "port.h"

PG_FUNCTION_INFO_V1(convert_random_bytes);
PG_FUNCTION_INFO_V1(convert_secret_equal);

/* Enough for any salt or token; keeps a typo from allocating gigabytes. */
#define CV_RANDOM_BYTES_MAX 1024

/* n random bytes from pg_strong_random (secrets, debug tokens). */
Datum
convert_random_bytes(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	bytea	   *result;

	if (n < 1 || n > CV_RANDOM_BYTES_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of random bytes must be between 1 and %d",
						CV_RANDOM_BYTES_MAX),
				 errdetail("%d bytes were requested.", n)));

	result = (bytea *) palloc(VARHDRSZ + n);
	SET_VARSIZE(result, VARHDRSZ + n);
	if (!pg_strong_random(VARDATA(result), n))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	PG_RETURN_BYTEA_P(result);
}

/*
 * Every byte is visited whatever the contents, so the time taken only
 * reveals the lengths, which are fixed (hash sizes) for our callers.
 */
Datum
convert_secret_equal(PG_FUNCTION_ARGS)
{
	bytea	   *a = PG_GETARG_BYTEA_PP(0);
	bytea	   *b = PG_GETARG_BYTEA_PP(1);
	const unsigned char *pa = (const unsigned char *) VARDATA_ANY(a);
	const unsigned char *pb = (const unsigned char *) VARDATA_ANY(b);
	size_t		len = VARSIZE_ANY_EXHDR(a);
	volatile unsigned char diff = 0;

	if (len != VARSIZE_ANY_EXHDR(b))
		PG_RETURN_BOOL(false);
	for (size_t i = 0; i < len; i++)
		diff |= pa[i] ^ pb[i];
	PG_RETURN_BOOL(diff == 0);
}
