# The objects of src/core, one list per layer, shared by the extension's
# Makefile, test/core/Makefile and test/fuzz/Makefile.  Paths are relative
# to src/core; each Makefile adds its own prefix.  Layers, lowest first:
#   js/ json/     JavaScript values and strings, strict JSON, JSON views
#   bucketing/    MurmurHash3 and the SDK's variation layouts
#   rules/        the rule compiler and evaluator
#   config/       the config compiler and the decision flow
#   stats/ analysis/ track/   statistics, the analysis tally, tracking checks

CORE_JS_SRCS = js/js_parse_number.c \
	js/js_regex.c \
	js/js_string.c \
	js/js_value.c
CORE_JSON_SRCS = json/error_text.c \
	json/json_strict.c \
	json/json_stringify.c \
	json/json_text.c \
	json/json_view_jsonc.c
CORE_BUCKETING_SRCS = bucketing/bucketing.c \
	bucketing/murmurhash3.c
CORE_RULES_SRCS = rules/rules_catalog.c \
	rules/rules_compare.c \
	rules/rules_compile.c \
	rules/rules_compile_element.c \
	rules/rules_eval.c \
	rules/rules_print.c
CORE_CONFIG_SRCS = config/config_block.c \
	config/config_builder.c \
	config/config_compile.c \
	config/config_compile_entities.c \
	config/config_compile_experiences.c \
	config/config_compile_results.c \
	config/config_decide.c \
	config/config_features.c \
	config/config_runtime.c \
	config/feature_cast.c
CORE_STATS_SRCS = stats/stats_adjust.c \
	stats/stats_bayes.c \
	stats/stats_distributions.c \
	stats/stats_moments.c \
	stats/stats_ratio.c \
	stats/stats_sequential.c \
	stats/stats_tests.c
CORE_ANALYSIS_SRCS = analysis/analysis_tally.c \
	analysis/decimal_sum.c
CORE_TRACK_SRCS = track/track_check.c

CORE_SRCS = $(CORE_JS_SRCS) $(CORE_JSON_SRCS) $(CORE_BUCKETING_SRCS) \
	$(CORE_RULES_SRCS) $(CORE_CONFIG_SRCS) $(CORE_STATS_SRCS) \
	$(CORE_ANALYSIS_SRCS) $(CORE_TRACK_SRCS)
