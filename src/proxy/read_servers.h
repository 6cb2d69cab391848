/* Read servers (--read-db): hot standbys that answer the config routes.
 * Reads go round robin over the servers that are up; a server that cannot
 * be reached is left out for a while, and whatever a read server cannot
 * answer is asked of the primary, so a read fails only when the primary
 * fails too. */
#ifndef CONVERT_PROXY_READ_SERVERS_H
#define CONVERT_PROXY_READ_SERVERS_H

#include <stdbool.h>
#include <stdint.h>

#include "dbcall.h"
#include "pool.h"
#include "settings.h"

struct read_servers;

/* One pool per --read-db of s, with the primary's pool settings; NULL
 * when out of memory.  With no --read-db every read goes to primary. */
struct read_servers *reads_create(const struct proxy_settings *s,
								  struct pool *primary);
void reads_destroy(struct read_servers *rs);

/* Connect every read server's pool now; returns how many servers have
 * at least one connection up. */
int reads_warm(struct read_servers *rs);

/* Start the thread that reads every read server's replay position (and
 * the primary's insert position, for --max-lag-bytes) a few times a
 * second; a server is read from only when it is past the barrier. */
bool reads_monitor_start(struct read_servers *rs);

/* A change committed on the primary before WAL position lsn was notified:
 * no read server is read from until it has replayed that far. */
void reads_raise_barrier(struct read_servers *rs, uint64_t lsn);

/* Run the read-only statement id on a read server, or on the primary when
 * none can answer.  With read servers, out->source tells which one did
 * ("primary", "read1", ...); without, it is NULL. */
void db_read(struct read_servers *rs, enum stmt_id id,
			 const char *const *params, struct db_result *out);

#endif
