-- Experiment analysis, part 1: distribution functions and significance tests
-- (src/core/stats_*.c).  Each test takes sufficient statistics, so results
-- queries aggregate the events once and test per row.

CREATE FUNCTION convert.normal_cdf(x float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'convert_normal_cdf'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.student_t_cdf(t float8, df float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'convert_student_t_cdf'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.chi_square_sf(x float8, df float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'convert_chi_square_sf'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION convert.chi_square_sf(float8, float8) IS
'P(X >= x) for a chi-square distribution with df degrees of freedom';

-- Two-proportion z-test of arm b against the original a: pooled standard
-- error for z and the p-value, unpooled for the interval of b - a.
-- uplift = (pb - pa) / pa; its interval is the difference's divided by pa.
-- chance_to_beat = P(pb > pa) under the normal approximation.
CREATE FUNCTION convert.two_proportion_test(
    visitors_a bigint, converted_a bigint, visitors_b bigint, converted_b bigint,
    confidence float8 DEFAULT 0.95,
    OUT z float8, OUT p_value float8, OUT difference float8,
    OUT ci_low float8, OUT ci_high float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8,
    OUT chance_to_beat float8)
AS 'MODULE_PATHNAME', 'convert_two_proportion_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Welch's t-test of arm b's mean against the original a's, from each arm's
-- size, mean and sample variance.
CREATE FUNCTION convert.welch_test(
    n_a bigint, mean_a float8, variance_a float8,
    n_b bigint, mean_b float8, variance_b float8,
    confidence float8 DEFAULT 0.95,
    OUT t float8, OUT df float8, OUT p_value float8, OUT difference float8,
    OUT ci_low float8, OUT ci_high float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8,
    OUT chance_to_beat float8)
AS 'MODULE_PATHNAME', 'convert_welch_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Chi-square goodness of fit of observed counts against weights (arms of
-- weight 0 are left out), with k - 1 degrees of freedom.
CREATE FUNCTION convert.sample_ratio_test(observed float8[], weights float8[],
    OUT chi_square float8, OUT p_value float8)
AS 'MODULE_PATHNAME', 'convert_sample_ratio_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Always-valid test of arm b's mean against the original a's (asymptotic
-- confidence sequence, Waudby-Smith et al. 2023), from each arm's size,
-- mean and per-visitor variance: the interval and p-value stay valid when
-- the results are looked at again and again.  tuning: the sample size at
-- which the sequence is tightest.
CREATE FUNCTION convert.sequential_test(
    n_a bigint, mean_a float8, variance_a float8,
    n_b bigint, mean_b float8, variance_b float8,
    confidence float8 DEFAULT 0.95, tuning float8 DEFAULT 5000,
    OUT z float8, OUT p_value float8, OUT difference float8,
    OUT ci_low float8, OUT ci_high float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8,
    OUT chance_to_beat float8)
AS 'MODULE_PATHNAME', 'convert_sequential_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.sequential_test(bigint, float8, float8, bigint, float8, float8,
                                               float8, float8) FROM PUBLIC;

-- Gaussian posterior on the relative lift mean_b / mean_a - 1 (delta-method
-- variance) with the prior N(0, prior_sd^2), flat when prior_sd is NULL:
-- its mean and standard deviation, P(lift > 0) and the expected loss of
-- choosing b, E[max(0, -lift)].
CREATE FUNCTION convert.bayes_lift(
    n_a bigint, mean_a float8, variance_a float8,
    n_b bigint, mean_b float8, variance_b float8,
    prior_sd float8 DEFAULT NULL,
    OUT lift float8, OUT lift_sd float8, OUT chance_to_win float8, OUT risk float8)
AS 'MODULE_PATHNAME', 'convert_bayes_lift'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.bayes_lift(bigint, float8, float8, bigint, float8, float8,
                                          float8) FROM PUBLIC;

-- p-values adjusted as one family: 'holm' (Holm-Bonferroni, family-wise
-- error) or 'bh' (Benjamini-Hochberg, false discovery rate).  NULL
-- elements are not tests: they stay NULL and do not count.
CREATE FUNCTION convert.adjusted_p_values(p_values float8[], method text)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'convert_adjusted_p_values'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.adjusted_p_values(float8[], text) FROM PUBLIC;

-- Ratio metric (revenue per converting visitor, products per order) of
-- arm b against the original a by the delta method (Deng, Knoblich, Lu
-- 2018): from each arm's sums over its n visitors of the numerator y, the
-- denominator d, their squares and products, the ratios sum_y / sum_d,
-- the relative uplift ratio_b / ratio_a - 1 with its interval and
-- p-value; always-valid ones when sequential_tuning is given.
CREATE FUNCTION convert.ratio_test(
    n_a bigint, sum_y_a float8, sum_yy_a float8, sum_d_a float8, sum_dd_a float8, sum_yd_a float8,
    n_b bigint, sum_y_b float8, sum_yy_b float8, sum_d_b float8, sum_dd_b float8, sum_yd_b float8,
    confidence float8 DEFAULT 0.95, sequential_tuning float8 DEFAULT NULL,
    OUT ratio_a float8, OUT ratio_b float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8, OUT p_value float8)
AS 'MODULE_PATHNAME', 'convert_ratio_test'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.ratio_test(bigint, float8, float8, float8, float8, float8,
    bigint, float8, float8, float8, float8, float8, float8, float8) FROM PUBLIC;

-- convert.metric_moments(y [, x]): per group, the moments of a per-visitor
-- metric y and its covariate x (a NULL x counts as 0; a NULL y leaves the
-- row out), kept as means and centred sums that parallel workers and Citus
-- shards combine exactly: n, mean and sample variance of y for welch_test
-- and sequential_test, the sums for cuped_moments.  NULL for no rows.
CREATE TYPE convert.moments AS (
    n bigint, mean float8, variance float8,
    sum_y float8, sum_yy float8, sum_x float8, sum_xx float8, sum_xy float8);

CREATE FUNCTION convert_internal.metric_moments_add(internal, float8, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_add'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION convert_internal.metric_moments_add(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_add'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION convert_internal.metric_moments_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION convert_internal.metric_moments_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'convert_metric_moments_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert_internal.metric_moments_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert_internal.metric_moments_final(internal)
RETURNS convert.moments
AS 'MODULE_PATHNAME', 'convert_metric_moments_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE convert.metric_moments(y float8, x float8) (
    SFUNC = convert_internal.metric_moments_add, STYPE = internal,
    FINALFUNC = convert_internal.metric_moments_final,
    COMBINEFUNC = convert_internal.metric_moments_combine,
    SERIALFUNC = convert_internal.metric_moments_serialize,
    DESERIALFUNC = convert_internal.metric_moments_deserialize,
    PARALLEL = SAFE);

CREATE AGGREGATE convert.metric_moments(y float8) (
    SFUNC = convert_internal.metric_moments_add, STYPE = internal,
    FINALFUNC = convert_internal.metric_moments_final,
    COMBINEFUNC = convert_internal.metric_moments_combine,
    SERIALFUNC = convert_internal.metric_moments_serialize,
    DESERIALFUNC = convert_internal.metric_moments_deserialize,
    PARALLEL = SAFE);
