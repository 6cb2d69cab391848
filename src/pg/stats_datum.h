/*
 * stats_datum.h — argument checks and result records shared by the SQL
 * entry points of the statistics (stats_functions.c,
 * stats_readout_functions.c).
 */
#ifndef CONVERT_STATS_DATUM_H
#define CONVERT_STATS_DATUM_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"

#include "stats/stats_tests.h"

/* Errors unless 0 < confidence < 1. */
void		check_confidence(double confidence);

/* Argument n, a count (bigint), checked not negative. */
double		count_arg(FunctionCallInfo fcinfo, int n, const char *name);

/* v as a float8 Datum; *isnull when v is NaN (an undefined statistic). */
Datum		float_or_null(double v, bool *isnull);

/* The blessed descriptor of the called function's OUT record. */
TupleDesc	result_descriptor(FunctionCallInfo fcinfo);

/* A cv_comparison as the OUT record of the tests (with df or without). */
Datum		comparison_record(FunctionCallInfo fcinfo, const cv_comparison *c, bool with_df);

#endif
