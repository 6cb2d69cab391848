/*
 * rules_type.c — I/O of the convert.rules type: text (rule JSON, compiled
 * on input, printed canonically on output) and binary (a version byte and
 * the same JSON text, so the wire form does not depend on the compiled
 * layout or byte order).
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "rules_datum.h"
#include "utf8_text.h"

#define RULES_BINARY_VERSION 1

PG_FUNCTION_INFO_V1(convert_rules_in);
PG_FUNCTION_INFO_V1(convert_rules_out);
PG_FUNCTION_INFO_V1(convert_rules_recv);
PG_FUNCTION_INFO_V1(convert_rules_send);

/* UTF-8 text from the core, in the server encoding, for messages. */
static const char *
server_text(const char *utf8)
{
	return pg_any_to_server(utf8, strlen(utf8), PG_UTF8);
}

#define IMPORT_PT400 MAKE_SQLSTATE('P', 'T', '4', '0', '0')

void
rules_report_error_at(const cv_rules_error *err, const char *config_path)
{
	const char *prefix = config_path ? psprintf("invalid config at %s: ", config_path) : "";

	if (err->code == CV_RULES_ERR_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while compiling rules")));
	if (err->code == CV_RULES_ERR_CORRUPT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted convert.rules value")));
	ereport(ERROR,
			(errcode(config_path ? IMPORT_PT400 : ERRCODE_INVALID_TEXT_REPRESENTATION),
			 err->path[0]
			 ? errmsg("%sinvalid rules: %s: %s", prefix, server_text(err->path),
					  server_text(err->message))
			 : errmsg("%sinvalid rules: %s", prefix, server_text(err->message)),
			 err->hint ? errhint("%s", err->hint) : 0));
}

void
rules_report_error(const cv_rules_error *err)
{
	rules_report_error_at(err, NULL);
}

Rules *
rules_from_utf8_at(const char *json, size_t len, cv_rules_mode mode, const char *config_path)
{
	cv_rules_error err;
	void	   *bin;
	size_t		size;
	Rules	   *result;

	if (cv_rules_compile(json, len, mode, &bin, &size, &err) != CV_RULES_OK)
		rules_report_error_at(&err, config_path);
	/* Copy out of malloc'd memory before anything else can throw. */
	result = palloc(VARHDRSZ + size);
	SET_VARSIZE(result, VARHDRSZ + size);
	memcpy(VARDATA(result), bin, size);
	free(bin);
	return result;
}

Rules *
rules_from_utf8(const char *json, size_t len, cv_rules_mode mode)
{
	return rules_from_utf8_at(json, len, mode, NULL);
}

/* convert.rules' text input: validate and compile the JSON (as UTF-8). */
Datum
convert_rules_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Utf8Bytes	utf8 = server_string_utf8_bytes(str, strlen(str));

	PG_RETURN_RULES_P(rules_from_utf8(utf8.data, utf8.len, CV_RULES_STRICT));
}

/* The canonical JSON, palloc'd, in UTF-8. */
static char *
rules_json(Rules *r, size_t *len)
{
	char	   *json;
	char	   *result;

	if (!cv_rules_check(RULES_BLOCK(r), RULES_BLOCK_SIZE(r)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted convert.rules value")));
	json = cv_rules_to_json(RULES_BLOCK(r), len);
	if (json == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while printing rules")));
	result = pnstrdup(json, *len);
	free(json);
	return result;
}

/* convert.rules' text output: its canonical JSON. */
Datum
convert_rules_out(PG_FUNCTION_ARGS)
{
	Rules	   *r = PG_GETARG_RULES_P(0);
	size_t		len;
	char	   *json = rules_json(r, &len);

	PG_RETURN_CSTRING(pg_any_to_server(json, (int) len, PG_UTF8));
}

/* convert.rules' binary input: a version byte, then the JSON. */
Datum
convert_rules_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgint(buf, 1);
	int			nbytes;
	char	   *str;
	Utf8Bytes	utf8;

	if (version != RULES_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported convert.rules binary version %d", version)));
	str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);
	utf8 = server_string_utf8_bytes(str, nbytes);
	PG_RETURN_RULES_P(rules_from_utf8(utf8.data, utf8.len, CV_RULES_STRICT));
}

/* convert.rules' binary output: a version byte, then the JSON. */
Datum
convert_rules_send(PG_FUNCTION_ARGS)
{
	Rules	   *r = PG_GETARG_RULES_P(0);
	size_t		len;
	char	   *utf8 = rules_json(r, &len);
	char	   *json = pg_any_to_server(utf8, (int) len, PG_UTF8);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint8(&buf, RULES_BINARY_VERSION);
	pq_sendtext(&buf, json, (int) strlen(json));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
