/*
 * rules_datum.h — the convert.rules datum: a varlena whose payload is the
 * core's compiled rule block (src/core/rules/rules.h), plus the helpers other
 * glue needs: compiling JSON text into a datum with PostgreSQL-style
 * errors, and a per-call-site cache of ready-to-evaluate runtimes.
 *
 * For a caller (e.g. compiled project configs) evaluating rules per row:
 *
 *     Rules *r = PG_GETARG_RULES_P(0);
 *     cv_rules_runtime *rt = rules_runtime_cached(fcinfo->flinfo, r);
 *     cv_jv props = jsonb_view_root(jsonb);            (jsonb_view.h)
 *     cv_rule_result res = cv_rules_eval(rt, &props, &jsonb_view_ops);
 *
 * The runtime (malloc'd by the core: PCRE2 codes, scratch buffers) is
 * freed by a reset callback of fn_mcxt, or when a different rules value
 * replaces it.
 */
#ifndef CONVERT_PG_RULES_DATUM_H
#define CONVERT_PG_RULES_DATUM_H

#include "postgres.h"

#include "fmgr.h"

#include "rules/rules.h"

typedef struct varlena Rules;

#define DatumGetRulesP(d) ((Rules *) PG_DETOAST_DATUM(d))
#define PG_GETARG_RULES_P(n) DatumGetRulesP(PG_GETARG_DATUM(n))
#define PG_RETURN_RULES_P(x) PG_RETURN_POINTER(x)

/* The compiled block inside a datum (4-byte aligned after detoasting). */
#define RULES_BLOCK(r) ((const void *) VARDATA(r))
#define RULES_BLOCK_SIZE(r) ((size_t) VARSIZE(r) - VARHDRSZ)

/*
 * Compile rule JSON (UTF-8) into a palloc'd datum; invalid rules raise
 * 22P02 naming the JSON path, with a hint listing what is allowed.
 */
extern Rules *rules_from_utf8(const char *json, size_t len, cv_rules_mode mode);

/*
 * The same for rules read from a config being imported: invalid rules
 * raise PT400 "invalid config at <config_path>: invalid rules: ...".
 */
extern Rules *rules_from_utf8_at(const char *json, size_t len, cv_rules_mode mode,
								 const char *config_path);

/* Raise the ereport for a core compile error. */
extern void rules_report_error(const cv_rules_error *err) pg_attribute_noreturn();
extern void rules_report_error_at(const cv_rules_error *err, const char *config_path)
			pg_attribute_noreturn();

/* A runtime for r, cached in flinfo->fn_extra while r's bytes repeat. */
extern cv_rules_runtime *rules_runtime_cached(FmgrInfo *flinfo, Rules *r);

#endif
