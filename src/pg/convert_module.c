/*
 * convert_module.c — the shared library's module magic.
 *
 * Each SQL-callable family lives in its own file under src/pg; this file
 * only marks convert.so as a PostgreSQL module.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
