/*
 * check.h — a tiny assertion harness for the core's unit tests.
 *
 * Each CHECK counts as one test; failures print the file, line and the
 * values compared, and the run ends with "core: N passed, N failed".
 */
#ifndef CONVERT_TEST_CHECK_H
#define CONVERT_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

extern int	check_passed;
extern int	check_failed;

#define CHECK_REPORT(ok, fmt, ...) \
	do { \
		if (ok) \
			check_passed++; \
		else \
		{ \
			check_failed++; \
			fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__); \
		} \
	} while (0)

#define CHECK(cond) CHECK_REPORT((cond), "check failed: %s", #cond)

#define CHECK_INT(got, want) \
	do { \
		long long got_ = (long long) (got), want_ = (long long) (want); \
		CHECK_REPORT(got_ == want_, "%s = %lld, want %lld", #got, got_, want_); \
	} while (0)

/* got within a relative tolerance of want (absolute near zero) */
#define CHECK_NEAR(got, want, rel) \
	do { \
		double got_ = (got), want_ = (want); \
		double scale_ = fabs(want_) > 1e-300 ? fabs(want_) : 1; \
		CHECK_REPORT(fabs(got_ - want_) <= (rel) * scale_, "%s = %.17g, want %.17g", \
					 #got, got_, want_); \
	} while (0)

#define CHECK_STR(got, want) \
	do { \
		const char *got_ = (got), *want_ = (want); \
		int ok_ = (got_ == NULL && want_ == NULL) || \
			(got_ != NULL && want_ != NULL && strcmp(got_, want_) == 0); \
		CHECK_REPORT(ok_, "%s = \"%s\", want \"%s\"", #got, \
					 got_ ? got_ : "(null)", want_ ? want_ : "(null)"); \
	} while (0)

/* Suites, one per core module; each registers its checks when called. */
void		test_murmurhash3(void);
void		test_js_value(void);
void		test_bucketing(const char *fixtures_dir);
void		test_stats(void);
void		test_stats_moments(void);
void		test_analysis_tally(void);
void		test_rules(void);
void		test_rules_eval(void);
void		test_js_regex(void);
void		test_error_text(void);
void		test_fuzz_corpus(const char *fixtures_dir);
void		test_rules_lenient(const char *fixtures_dir);
void		test_feature_cast(void);
void		test_config(const char *fixtures_dir);

#endif
