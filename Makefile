# convert — PostgreSQL extension serving and tracking Convert experiments.
#
#   make            build convert.so (src/core + src/pg)
#   make install    install the extension into the server's directories
#   make demo       throwaway cluster + demo project (README: "Run it")
#   make test       every test suite; ends with "N passed, N failed"
#
# src/core is plain C11 and is also built on its own for the unit tests.

EXTENSION = convert
EXTVERSION = 0.1.0

MODULE_big = convert

# Objects are listed explicitly, one area per line, so that each area can
# grow without touching the others.
CORE_OBJS = src/core/murmurhash3.o src/core/js_value.o src/core/bucketing.o
PG_OBJS = src/pg/convert_module.o src/pg/utf8_text.o \
	src/pg/variations_jsonb.o src/pg/bucketing_functions.o
OBJS = $(CORE_OBJS) $(PG_OBJS)

# The install script is assembled from one part per area (sql/install/).
INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql

# pg_regress suites (sql/<name>.sql, expected/<name>.out).
REGRESS = bucketing bucketing_utf8 bucketing_vectors bucketing_parallel
REGRESS_OPTS = --inputdir=. --encoding=UTF8 --no-locale

SHLIB_LINK = -ljson-c
CORE_CFLAGS = -std=c11 -Wall -Wextra -Werror -ffp-contract=off -fno-fast-math
PG_CPPFLAGS = -I$(srcdir)/src/core
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare -ffp-contract=off

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.PHONY: test demo deps core-test

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)

# Core objects are plain C11: no PostgreSQL headers, own warnings.
$(CORE_OBJS): %.o: %.c
	$(CC) $(CORE_CFLAGS) $(filter-out -std=% -W%,$(CFLAGS_SL)) -O2 -g -c -o $@ $<

$(DATA_built): $(INSTALL_PARTS)
	cat $^ > $@

test: all
	$(srcdir)/test/run-tests.sh

demo: all
	$(srcdir)/src/scripts/demo.sh
else
# No PGXS yet (fresh machine): install the build dependencies, then retry.
test demo all install:
	$(CURDIR)/src/scripts/ensure-deps.sh
	$(MAKE) $@
endif

deps:
	$(CURDIR)/src/scripts/ensure-deps.sh

core-test:
	$(MAKE) -C test/core run

# The pg_regress suites, for test/run-tests.sh.
print-regress:
	@echo $(REGRESS)
