# convert — PostgreSQL extension serving and tracking Convert experiments.
#
#   make                 build the extension: convert.so (src/core + src/pg)
#                        and its install and upgrade scripts
#   make install         install the extension into the server's directories
#   make proxy           build convert-proxy (src/proxy)
#   make install-proxy   install convert-proxy into $(bindir) (pg_config --bindir)
#   make demo            throwaway cluster + demo project (README: "The two commands")
#   make test            every test suite; ends with "N passed, N failed"
#
# `make demo` and `make test` first install missing Debian packages
# (src/scripts/ensure-deps.sh), then build both the extension and the proxy.
#
# src/core is plain C11 and is also built on its own for the unit tests.

EXTENSION = convert

.DEFAULT_GOAL := all
EXTVERSION = 0.2.0

MODULE_big = convert

# Objects are listed explicitly, one area per line, so that each area can
# grow without touching the others.  src/core's list, one per layer, is
# shared with the unit tests and the fuzz targets (src/core/objects.mk).
include $(dir $(lastword $(MAKEFILE_LIST)))src/core/objects.mk
CORE_OBJS = $(addprefix src/core/,$(CORE_SRCS:.c=.o))
PG_OBJS = src/pg/convert_module.o src/pg/utf8_text.o \
	src/pg/variations_jsonb.o src/pg/bucketing_functions.o
PG_OBJS += src/pg/secret_functions.o
PG_OBJS += src/pg/stats_functions.o src/pg/analysis_memory.o src/pg/analysis_scan.o
PG_OBJS += src/pg/stats_readout_functions.o src/pg/analysis_groups.o src/pg/stats_moments_agg.o
PG_OBJS += src/pg/rules_type.o src/pg/rules_import.o src/pg/rules_match.o src/pg/jsonb_view.o
PG_OBJS += src/pg/track_payload.o src/pg/track_ids.o src/pg/track_duplicates.o \
	src/pg/track_decisions.o src/pg/error_quote.o
PG_OBJS += src/pg/config_type.o src/pg/decision_cache.o src/pg/jsonb_merge.o \
	src/pg/visitor_segments.o \
	src/pg/decision_input.o src/pg/decision_results.o src/pg/decision_functions.o
OBJS = $(CORE_OBJS) $(PG_OBJS)

# convert-proxy (src/proxy): a separate C11 program, not part of convert.so.
PROXY_OBJS = src/proxy/main.o src/proxy/settings.o src/proxy/pool.o \
	src/proxy/dbcall.o src/proxy/routes.o src/proxy/responses.o \
	src/proxy/http_headers.o src/proxy/gzip.o src/proxy/rendered.o \
	src/proxy/config_cache.o src/proxy/config_listener.o \
	src/proxy/conn_watch.o src/proxy/access_log.o src/proxy/handlers.o \
	src/proxy/server.o src/proxy/env_list.o src/proxy/cache_keys.o \
	src/proxy/read_servers.o src/proxy/wal_lsn.o
PROXY_PKGS = libmicrohttpd libpq zlib json-c
PROXY_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -MMD -MP -Wall -Wextra -Werror \
	-O2 -g $(shell pkg-config --cflags $(PROXY_PKGS) 2>/dev/null)
PROXY_LIBS = $(shell pkg-config --libs $(PROXY_PKGS) 2>/dev/null) -lpthread
PROXY_ASAN = test/proxy/convert-proxy-asan
EXTRA_CLEAN += convert-proxy $(PROXY_OBJS) $(PROXY_ASAN)
EXTRA_CLEAN += $(OBJS:.o=.d) $(PROXY_OBJS:.o=.d)

# The install script of the version being built is assembled from one part
# per area (sql/install/).  Install scripts of released versions are frozen
# files, and every release is reachable from each earlier one through the
# upgrade scripts (sql/convert--A--B.sql); test/upgrade checks they agree.
INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = sql/$(EXTENSION)--0.1.0.sql $(wildcard sql/$(EXTENSION)--*--*.sql)

# pg_regress suites (sql/<name>.sql, expected/<name>.out).
REGRESS = test_setup bucketing bucketing_utf8 bucketing_vectors bucketing_parallel
REGRESS += analysis analysis_tally analysis_moments_agg analysis_readouts
REGRESS += config_model config_access config_import
REGRESS += tracking tracking_errors tracking_enrich request_bounds citus_single
REGRESS += rules rules_errors rules_utf8
REGRESS += decisions_setup decisions_flow decisions_features decisions_config \
	decisions_segments decisions_parallel
REGRESS += postgrest_api
REGRESS += security_search_path
REGRESS_OPTS = --inputdir=. --encoding=UTF8 --no-locale

SHLIB_LINK = -ljson-c
SHLIB_LINK += -lpcre2-16 -licuuc -licudata  # rules: JS regexes (UTF-16), toLowerCase
CORE_CFLAGS = -std=c11 -Wall -Wextra -Werror -ffp-contract=off -fno-fast-math -MMD -MP
# Headers are named with their layer's folder ("rules/rules.h"), from one
# include path, for src/core and src/pg alike.
CORE_CFLAGS += -I$(srcdir)/src/core
PG_CPPFLAGS = -I$(srcdir)/src/core
PG_CFLAGS = -MMD -MP -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare -ffp-contract=off

# pg_config on PATH, as PGXS users expect; PostgreSQL 15's own when there is
# none on PATH.
PG_CONFIG ?= $(if $(shell command -v pg_config),pg_config,/usr/lib/postgresql/15/bin/pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.PHONY: test demo deps core-test proxy install-proxy

# test and demo see to their dependencies first, then build everything in a
# make that reads PGXS afresh (it may have just been installed).
test:
	$(CURDIR)/src/scripts/ensure-deps.sh
	$(MAKE) all proxy
	$(CURDIR)/test/run-tests.sh

demo:
	$(CURDIR)/src/scripts/ensure-deps.sh
	$(MAKE) all proxy
	$(CURDIR)/src/scripts/demo.sh

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)

# convert-proxy: its own program and flags, not part of the extension.
proxy: convert-proxy

install-proxy: convert-proxy
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) convert-proxy '$(DESTDIR)$(bindir)/convert-proxy'

$(PROXY_OBJS): %.o: %.c $(wildcard src/proxy/*.h)
	$(CC) $(PROXY_CFLAGS) -c -o $@ $<

convert-proxy: $(PROXY_OBJS)
	$(CC) -o $@ $(PROXY_OBJS) $(PROXY_LIBS)

# The proxy under AddressSanitizer and UBSan (suite proxy-sanitize).
$(PROXY_ASAN): $(PROXY_OBJS:.o=.c) $(wildcard src/proxy/*.h)
	$(CC) $(PROXY_CFLAGS) -O1 -fno-omit-frame-pointer \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(PROXY_OBJS:.o=.c) $(PROXY_LIBS)

# Plain `make` checks the extension's build dependencies before compiling
# anything and names the missing Debian packages (it installs nothing).
.PHONY: extension-deps
extension-deps:
	@CONVERT_DEPS=extension $(CURDIR)/src/scripts/ensure-deps.sh --no-install

$(OBJS) $(OBJS:.o=.bc): | extension-deps

# Core objects are plain C11: no PostgreSQL headers, own warnings.
$(CORE_OBJS): %.o: %.c
	$(CC) $(CORE_CFLAGS) $(filter-out -std=% -W%,$(CFLAGS_SL)) -O2 -g -c -o $@ $<

# Every object is rebuilt when a header it includes changes: the compiler
# writes the dependencies (-MMD) next to each object.
-include $(OBJS:.o=.d) $(PROXY_OBJS:.o=.d)

$(DATA_built): $(INSTALL_PARTS)
	cat $^ > $@
else
# No PGXS: the server's development package is missing; say which packages
# to install (`make test` and `make demo` install them when run as root).
all install proxy install-proxy:
	@CONVERT_DEPS=extension $(CURDIR)/src/scripts/ensure-deps.sh --no-install
endif

deps:
	$(CURDIR)/src/scripts/ensure-deps.sh

core-test:
	$(MAKE) -C test/core run

# The pg_regress suites, for test/run-tests.sh.
print-regress:
	@echo $(REGRESS)
