/*
 * config_runtime.h — per-process state for decisions on one compiled
 * config: rule runtimes (created on first use) and scratch arrays reused
 * from call to call.  Internal to config_runtime.c, config_decide.c and
 * config_features.c.
 */
#ifndef CONVERT_CONFIG_RUNTIME_H
#define CONVERT_CONFIG_RUNTIME_H

#include "config/config.h"
#include "config/config_format.h"

/* A decision made earlier in the same call (the SDK's store write). */
typedef struct cv_overlay_entry
{
	uint32_t	experience;
	cv_text		variation_id;
} cv_overlay_entry;

struct cv_config_runtime
{
	const void *blob;
	cv_cfg_view v;
	uint32_t	n_rules;		/* kept here: freeing must not read the block */
	cv_rules_runtime **rules;	/* n_rules, NULL until first evaluated */
	bool		failed;
	cv_overlay_entry *overlay;
	size_t		n_overlay;
	cv_decision *decisions;		/* n_experiences */
	size_t		n_decisions;
	cv_feature_entry *entries;
	size_t		n_entries, cap_entries;
	uint32_t   *change_counts;	/* n_changes */
};

/* Start a call: forget the previous call's in-call decisions. */
void		cv_rt_begin(cv_config_runtime *rt);

/* Rule tree r against props; a runtime that cannot be built counts false. */
cv_rule_result cv_rt_eval(cv_config_runtime *rt, uint32_t r, const cv_jv *props,
						  const cv_jv_ops *ops);

/* The SDK's getBucketing for the experience at `index` (a lookup target). */
cv_decision cv_rt_evaluate(cv_config_runtime *rt, const cv_decide_input *in,
						   uint32_t index);

bool		cv_rt_push_entry(cv_config_runtime *rt, cv_feature_entry e);

#endif
