/*
 * rules_catalog.c — tables of match types and rule types (one place to
 * read, one place to extend).
 */
#include "rules/rules_catalog.h"

#include <string.h>

#include "rules/rules_format.h"

/* Indexed by cv_match (rules_format.h). */
const char *const cv_match_names[CV_MATCH_COUNT] = {
	"equals", "matches", "equalsNumber", "less", "lessEqual", "contains",
	"isIn", "startsWith", "endsWith", "regexMatches", "exists", "not_exists",
	"doesNotExist"
};

const char	cv_match_types_hint[] =
"Allowed match types are equals, matches, equalsNumber, less, lessEqual, "
"contains, isIn, startsWith, endsWith, regexMatches, exists, not_exists and "
"doesNotExist (case-sensitive).";

static const char *const rule_types[] = {
	/* key/value (full stack) */
	"generic_text_key_value", "generic_numeric_key_value",
	"generic_bool_key_value", "generic_key_value", "cookie",
	/* text */
	"url", "url_with_query", "query_string", "campaign", "keyword", "medium",
	"source_name", "city", "region", "browser_version", "user_agent",
	"page_tag_page_type", "page_tag_category_id", "page_tag_category_name",
	"page_tag_product_sku", "page_tag_product_name", "page_tag_customer_id",
	"page_tag_custom_1", "page_tag_custom_2", "page_tag_custom_3",
	"page_tag_custom_4", "visitor_id", "weather_condition",
	/* numeric */
	"avg_time_page", "days_since_last_visit", "pages_visited_count",
	"visit_duration", "visits_count", "page_tag_product_price",
	"local_time_day_of_week", "project_time_day_of_week",
	"local_time_hour_of_day", "project_time_hour_of_day",
	"local_time_minute_of_hour", "project_time_minute_of_hour",
	/* choice */
	"is_desktop", "is_mobile", "is_tablet", "bucketed_into_experience",
	"visitor_data_exists", "js_condition", "country", "language",
	"visitor_type", "goal_triggered", "bucketed_into_segment",
	"browser_name", "os",
	/* mutual exclusion (SDK 5) */
	CV_RULE_TYPE_MUTUAL_EXCLUSION
};

const char	cv_rule_types_hint[] =
"Allowed rule types are generic_text_key_value, generic_numeric_key_value, "
"generic_bool_key_value, generic_key_value, cookie, url, url_with_query, "
"query_string, campaign, keyword, medium, source_name, city, region, "
"browser_version, user_agent, page_tag_page_type, page_tag_category_id, "
"page_tag_category_name, page_tag_product_sku, page_tag_product_name, "
"page_tag_customer_id, page_tag_custom_1 to page_tag_custom_4, visitor_id, "
"weather_condition, avg_time_page, days_since_last_visit, "
"pages_visited_count, visit_duration, visits_count, page_tag_product_price, "
"local_time_day_of_week, project_time_day_of_week, local_time_hour_of_day, "
"project_time_hour_of_day, local_time_minute_of_hour, "
"project_time_minute_of_hour, is_desktop, is_mobile, is_tablet, "
"bucketed_into_experience, visitor_data_exists, js_condition, country, "
"language, visitor_type, goal_triggered, bucketed_into_segment, "
"browser_name, os and bucketed_into_experience_key.";

/* Is the len bytes at name exactly candidate? */
static bool
name_is(const char *name, size_t len, const char *candidate)
{
	return strlen(candidate) == len && memcmp(name, candidate, len) == 0;
}

int
cv_match_lookup(const char *name, size_t len)
{
	for (int i = 0; i < CV_MATCH_COUNT; i++)
		if (name_is(name, len, cv_match_names[i]))
			return i;
	return -1;
}

bool
cv_rule_type_known(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(rule_types) / sizeof(rule_types[0]); i++)
		if (name_is(name, len, rule_types[i]))
			return true;
	return false;
}
