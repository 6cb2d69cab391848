/*
 * config_datum.h — the convert.config datum: a varlena whose payload is
 * the core's compiled config block (src/core/config/config.h) behind 4 bytes of
 * padding, so the block is 8-byte aligned in any palloc'd copy.  The
 * block also keeps the config JSON as given, which is the type's output.
 */
#ifndef CONVERT_PG_CONFIG_DATUM_H
#define CONVERT_PG_CONFIG_DATUM_H

#include "postgres.h"

#include "fmgr.h"

#include "config/config.h"

typedef struct varlena ConfigDatum;

#define CONFIG_BLOB_OFFSET 8
#define CONFIG_BLOB(d) ((const void *) ((const char *) (d) + CONFIG_BLOB_OFFSET))
#define CONFIG_BLOB_SIZE(d) ((size_t) VARSIZE(d) - CONFIG_BLOB_OFFSET)

/*
 * Compile config JSON (UTF-8) into a palloc'd datum; an invalid config
 * raises 22P02 naming the JSON path.
 */
extern ConfigDatum *config_from_utf8(const char *json, size_t len);

/* The JSON text of a (detoasted) datum, in the server encoding. */
extern char *config_to_cstring(ConfigDatum *d);

#endif
