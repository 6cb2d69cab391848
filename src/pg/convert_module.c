/*
 * convert_module.c — the shared library's module magic and load-time set-up.
 *
 * Each SQL-callable family lives in its own file under src/pg; this file
 * marks convert.so as a PostgreSQL module and defines its settings when
 * the library is loaded.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "analysis_memory.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Define the extension's settings and reserve the convert.* prefix. */
void
_PG_init(void)
{
	analysis_define_settings();
	MarkGUCPrefixReserved("convert");
}
