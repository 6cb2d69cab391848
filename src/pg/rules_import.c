/*
 * rules_import.c — convert_internal.import_rules(): the rules of a config
 * being imported, with errors that name where in the config they are.
 *
 * A PL/pgSQL cast inside an exception block did this once, but that opens
 * a subtransaction per row, and on Citus (docs/citus.md) the rows are
 * streamed into the model's reference tables while they are computed: no
 * savepoint can be sent to the workers then.  Here a bad rule raises its
 * own error and nothing needs catching.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "rules_datum.h"
#include "utf8_text.h"

PG_FUNCTION_INFO_V1(convert_import_rules);

/*
 * convert_internal.import_rules(value jsonb, path text) -> convert.rules:
 * NULL for a missing or JSON null value, else the compiled rules; invalid
 * rules raise PT400 "invalid config at <path>: invalid rules: ...".
 */
Datum
convert_import_rules(PG_FUNCTION_ARGS)
{
	Jsonb	   *value;
	JsonbValue	scalar;
	char	   *json;
	Utf8Bytes	utf8;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	value = PG_GETARG_JSONB_P(0);
	if (JsonbExtractScalar(&value->root, &scalar) && scalar.type == jbvNull)
		PG_RETURN_NULL();
	json = JsonbToCString(NULL, &value->root, VARSIZE(value));
	utf8 = server_string_utf8_bytes(json, strlen(json));
	PG_RETURN_RULES_P(rules_from_utf8_at(utf8.data, utf8.len, CV_RULES_STRICT,
										 PG_ARGISNULL(1) ? "?" : text_to_cstring(PG_GETARG_TEXT_PP(1))));
}
