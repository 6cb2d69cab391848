/*
 * config_type.c — I/O of the convert.config type.  Text: the config JSON,
 * compiled on input and printed back as given.  Binary: a version byte
 * and the same JSON text, so the wire form does not depend on the
 * compiled layout or byte order.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "config_datum.h"
#include "utf8_text.h"

#define CONFIG_BINARY_VERSION 1

PG_FUNCTION_INFO_V1(convert_config_in);
PG_FUNCTION_INFO_V1(convert_config_out);
PG_FUNCTION_INFO_V1(convert_config_recv);
PG_FUNCTION_INFO_V1(convert_config_send);

static const char *
server_text(const char *utf8)
{
	return pg_any_to_server(utf8, strlen(utf8), PG_UTF8);
}

/* Raise a config compile error: out of memory, a limit, or invalid input
 * with its JSON path. */
static void
report_config_error(const cv_config_error *err)
{
	if (err->code == CV_CONFIG_ERR_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while compiling a config")));
	ereport(ERROR,
			(errcode(err->code == CV_CONFIG_ERR_LIMIT
					 ? ERRCODE_PROGRAM_LIMIT_EXCEEDED
					 : ERRCODE_INVALID_TEXT_REPRESENTATION),
			 err->path[0]
			 ? errmsg("invalid config: %s: %s", server_text(err->path),
					  server_text(err->message))
			 : errmsg("invalid config: %s", server_text(err->message)),
			 err->hint ? errhint("%s", err->hint) : 0));
}

ConfigDatum *
config_from_utf8(const char *json, size_t len)
{
	cv_config_error err;
	void	   *blob;
	size_t		size;
	ConfigDatum *result;

	if (cv_config_compile(json, len, &blob, &size, &err) != CV_CONFIG_OK)
		report_config_error(&err);
	if (size > MaxAllocSize - CONFIG_BLOB_OFFSET)
	{
		free(blob);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("compiled config is too large"),
				 errdetail("The compiled form takes %zu bytes.", size)));
	}
	/* Copy out of malloc'd memory before anything else can throw. */
	result = palloc0(CONFIG_BLOB_OFFSET + size);
	SET_VARSIZE(result, CONFIG_BLOB_OFFSET + size);
	memcpy((char *) result + CONFIG_BLOB_OFFSET, blob, size);
	free(blob);
	return result;
}

char *
config_to_cstring(ConfigDatum *d)
{
	size_t		len;
	const char *json = cv_config_json(CONFIG_BLOB(d), &len);

	return pg_any_to_server(pnstrdup(json, len), (int) len, PG_UTF8);
}

/* A detoasted datum whose block is aligned and well-formed, or an error. */
static ConfigDatum *
checked_config(Datum d)
{
	ConfigDatum *c = (ConfigDatum *) PG_DETOAST_DATUM(d);

	if (((uintptr_t) CONFIG_BLOB(c)) % 8 != 0)
	{
		ConfigDatum *copy = palloc(VARSIZE(c));

		memcpy(copy, c, VARSIZE(c));
		c = copy;
	}
	if (VARSIZE(c) < CONFIG_BLOB_OFFSET ||
		!cv_config_check(CONFIG_BLOB(c), CONFIG_BLOB_SIZE(c)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted convert.config value")));
	return c;
}

/* convert.config's text input: compile the JSON (converted to UTF-8). */
Datum
convert_config_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Utf8Bytes	utf8 = server_string_utf8_bytes(str, strlen(str));

	PG_RETURN_POINTER(config_from_utf8(utf8.data, utf8.len));
}

/* convert.config's text output: the JSON as given. */
Datum
convert_config_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(config_to_cstring(checked_config(PG_GETARG_DATUM(0))));
}

/* convert.config's binary input: a version byte, then the JSON. */
Datum
convert_config_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgint(buf, 1);
	const char *json;
	int			len;

	if (version != CONFIG_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported convert.config binary version %d", version),
				 errhint("Version %d is the only one.", CONFIG_BINARY_VERSION)));
	len = buf->len - buf->cursor;
	json = pq_getmsgbytes(buf, len);
	/* The wire form is UTF-8, like the JSON the config endpoint serves. */
	PG_RETURN_POINTER(config_from_utf8(json, (size_t) len));
}

/* convert.config's binary output: a version byte, then the JSON. */
Datum
convert_config_send(PG_FUNCTION_ARGS)
{
	ConfigDatum *c = checked_config(PG_GETARG_DATUM(0));
	StringInfoData buf;
	size_t		len;
	const char *json = cv_config_json(CONFIG_BLOB(c), &len);

	pq_begintypsend(&buf);
	pq_sendint8(&buf, CONFIG_BINARY_VERSION);
	pq_sendbytes(&buf, json, (int) len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
