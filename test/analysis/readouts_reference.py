#!/usr/bin/python3
"""Independent reference for convert.experience_analysis and its building
blocks (sequential_test, bayes_lift, adjusted_p_values).

Everything here is computed from per-visitor values with SciPy and
statsmodels (Debian 12: python3-scipy 1.10.1, python3-statsmodels 0.13.5),
never from the extension's formulas:

  two-proportion z-test   statsmodels proportions_ztest (pooled)
  Welch's t-test          scipy.stats.ttest_ind(equal_var=False)
  Holm, Benjamini-Hochberg statsmodels multipletests('holm' / 'fdr_bh')
  confidence sequence     Waudby-Smith et al. 2023, eq. 9 and 161, written
                          out here; its p-value found by root finding
                          (scipy.optimize.brentq) on the half-width
  CUPED                   theta = cov(x, y) / var(x) of all arms' visitors
                          (numpy.cov), then Welch's test (SciPy ttest_ind;
                          interval by statsmodels CompareMeans) on each
                          visitor's y - theta (x - mean x)
  Bayesian lift           the delta-method normal posterior, written out
                          here; chance to win from scipy.stats.norm, risk
                          from scipy.stats.truncnorm (the mean of the lift
                          below 0 times its probability)

  readouts_reference.py fixture   print the numbers of sql/analysis_readouts.sql
  readouts_reference.py live      compare the database (libpq's PG* variables
                                  name it) with the reference on fixed and
                                  generated data; prints "N passed, N failed"
"""
import csv
import io
import math
import subprocess
import sys

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

TOLERANCE = 1e-9


# ---------------------------------------------------------------- reference

def sequential_halfwidth(s2, n, log_alpha, rho):
    """Eq. 9: half-width of the confidence sequence for per-unit variance s2
    (alpha given by its logarithm, so that tiny p-values can be found)."""
    return math.sqrt(s2) * math.sqrt(
        2 * (n * rho ** 2 + 1) / (n ** 2 * rho ** 2)
        * (0.5 * math.log(n * rho ** 2 + 1) - log_alpha))


def sequential_rho(alpha, tuning):
    """Eq. 161: the mixing parameter tuned for `tuning` observations."""
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)


def sequence(estimate, se, n, confidence, tuning):
    """Half-width and always-valid p-value of an estimate with standard error
    se from n observations in all."""
    alpha = 1 - confidence
    rho = sequential_rho(alpha, tuning)
    s2 = se ** 2 * n
    half = sequential_halfwidth(s2, n, math.log(alpha), rho)
    # the p-value: the alpha at which the half-width (rho kept) reaches |estimate|
    gap = lambda la: sequential_halfwidth(s2, n, la, rho) - abs(estimate)
    if gap(0.0) >= 0:
        p = 1.0
    else:
        p = math.exp(optimize.brentq(gap, -1e7, 0.0, xtol=1e-13, rtol=4 * np.finfo(float).eps))
    return half, p


def sequential(n_a, mean_a, var_a, n_b, mean_b, var_b, confidence=0.95, tuning=5000):
    """Interval of b - a, uplift interval and always-valid p-value."""
    diff = mean_b - mean_a
    half, p = sequence(diff, math.sqrt(var_a / n_a + var_b / n_b), n_a + n_b, confidence, tuning)
    return dict(p_value=p, ci_low=diff - half, ci_high=diff + half,
                uplift_low=(diff - half) / mean_a, uplift_high=(diff + half) / mean_a)


def bayes(n_a, mean_a, var_a, n_b, mean_b, var_b, prior_sd=None):
    """Posterior of the relative lift; chance to win and risk."""
    estimate = mean_b / mean_a - 1
    v = var_b / (n_b * mean_a ** 2) + mean_b ** 2 * var_a / (n_a * mean_a ** 4)
    if prior_sd is None:
        mu, sd = estimate, math.sqrt(v)
    else:
        post_var = 1 / (1 / v + 1 / prior_sd ** 2)
        mu, sd = post_var * estimate / v, math.sqrt(post_var)
    # E[max(0, -lift)] = E[-lift | lift < 0] P(lift < 0), from SciPy's truncated normal
    x = mu / sd
    risk = -stats.truncnorm.mean(-math.inf, -x, loc=mu, scale=sd) * stats.norm.cdf(-x)
    return dict(lift=mu, lift_sd=sd, chance_to_win=stats.norm.sf(0, mu, sd), risk=risk)


def compare_arms(original, arm, confidence=0.95, tuning=5000, prior_sd=None, is_rate=True):
    """Every read-out of one arm against the original, from per-visitor values."""
    a, b = np.asarray(original, float), np.asarray(arm, float)
    if is_rate:
        fixed_p = proportions_ztest([b.sum(), a.sum()], [len(b), len(a)])[1]
        var_a, var_b = a.var(), b.var()          # Bernoulli: p (1 - p)
    else:
        fixed_p = stats.ttest_ind(b, a, equal_var=False).pvalue
        var_a, var_b = a.var(ddof=1), b.var(ddof=1)
    out = dict(fixed_p=fixed_p)
    out.update({'seq_' + k: v for k, v in
                sequential(len(a), a.mean(), var_a, len(b), b.mean(), var_b,
                           confidence, tuning).items()})
    out.update(bayes(len(a), a.mean(), var_a, len(b), b.mean(), var_b, prior_sd))
    return out


def cuped(arms, original, arm, confidence=0.95, tuning=5000):
    """CUPED read-outs of arm against original; arms: {name: (y, x)} of every arm."""
    y_all = np.concatenate([np.asarray(y, float) for y, _ in arms.values()])
    x_all = np.concatenate([np.asarray(x, float) for _, x in arms.values()])
    var_x = np.var(x_all, ddof=1)
    theta = np.cov(x_all, y_all, ddof=1)[0, 1] / var_x if var_x > 0 else 0.0
    adjusted = {name: np.asarray(y, float) - theta * (np.asarray(x, float) - x_all.mean())
                for name, (y, x) in arms.items()}
    a, b = adjusted[original], adjusted[arm]
    test = stats.ttest_ind(b, a, equal_var=False)
    low, high = CompareMeans(DescrStatsW(b), DescrStatsW(a)).tconfint_diff(
        alpha=1 - confidence, usevar='unequal')
    base = a.mean()
    out = dict(mean_a=base, mean_b=b.mean(), uplift=(b.mean() - base) / base,
               uplift_low=low / base, uplift_high=high / base, p_value=test.pvalue)
    out.update({'seq_' + k: v for k, v in
                sequential(len(a), base, a.var(ddof=1), len(b), b.mean(), b.var(ddof=1),
                           confidence, tuning).items()})
    return out


def ratio(original, arm, confidence=0.95, tuning=None):
    """Delta-method comparison of sum(y) / sum(d); original, arm: (y, d) per visitor."""
    def moments(y, d):
        y, d = np.asarray(y, float), np.asarray(d, float)
        r = y.mean() / d.mean()
        cov = np.cov(np.vstack([y, d]), ddof=1)
        # gradient of mean_y / mean_d at the means, applied to the covariance of the means
        g = np.array([1 / d.mean(), -y.mean() / d.mean() ** 2])
        return r, g @ cov @ g / len(y), len(y)
    r_a, v_a, n_a = moments(*original)
    r_b, v_b, n_b = moments(*arm)
    lift = r_b / r_a - 1
    # the gradient of r_b / r_a - 1 at (r_a, r_b), applied to the two variances
    g = np.array([-r_b / r_a ** 2, 1 / r_a])
    se = math.sqrt(g @ np.diag([v_a, v_b]) @ g)
    if tuning is None:
        half = stats.norm.ppf((1 + confidence) / 2) * se
        p = 2 * stats.norm.sf(abs(lift) / se)
    else:
        half, p = sequence(lift, se, n_a + n_b, confidence, tuning)
    return dict(ratio_a=r_a, ratio_b=r_b, uplift=lift, uplift_low=lift - half,
                uplift_high=lift + half, p_value=p)


def adjust(p_values, method):
    return list(multipletests(p_values, method={'holm': 'holm', 'bh': 'fdr_bh'}[method])[1])


# ------------------------------------------------------------ fixed data

def fixture_arms():
    """The per-visitor data of sql/analysis_readouts.sql: {arm: (signup,
    revenue, purchased)} after exposure, visitors 1..1000."""
    def arm(signups, buyers, pay):
        signup = [1.0] * signups + [0.0] * (1000 - signups)
        revenue = [float(pay(i)) for i in range(1, buyers + 1)] + [0.0] * (1000 - buyers)
        return signup, revenue, [1.0] * buyers + [0.0] * (1000 - buyers)
    return {'original': arm(100, 50, lambda i: 20 + i),
            'cheaper': arm(130, 60, lambda i: 25 + i),
            'bundle': arm(95, 45, lambda i: 18 + 3 * (i % 7))}


def fixture_orders():
    """Products and orders per visitor of the purchase goal: {arm: (products, orders)}."""
    def arm(buyers, again):
        products = [float(1 + i % 3 + (2 if i <= again else 0)) if i <= buyers else 0.0
                    for i in range(1, 1001)]
        orders = [float(1 + (i <= again)) if i <= buyers else 0.0 for i in range(1, 1001)]
        return products, orders
    return {'original': arm(50, 10), 'cheaper': arm(60, 10), 'bundle': arm(45, 0)}


def fixture_pre(lookback_days=14):
    """The same visitors before exposure (the same in every arm): (signup,
    revenue, purchased)."""
    signup = [1.0 if i <= 60 or 901 <= i <= 940 or (lookback_days >= 30 and 61 <= i <= 80)
              else 0.0 for i in range(1, 1001)]
    revenue = [10.0 + i if i <= 30 else 50.0 if 951 <= i <= 960 else 0.0 for i in range(1, 1001)]
    return signup, revenue, [1.0 if r > 0 else 0.0 for r in revenue]


def fixture_cuped(metric, lookback_days=14):
    """CUPED read-outs per arm for metric 0 signup, 1 revenue, 2 purchased."""
    arms = fixture_arms()
    pre = fixture_pre(lookback_days)[metric]
    data = {name: (v[metric], pre) for name, v in arms.items()}
    return {name: cuped(data, 'original', name) for name in ('cheaper', 'bundle')}


def fixture_rows(tuning=5000, prior_sd=None):
    """Per (arm, goal): conversion-rate and revenue read-outs, in result order."""
    arms = fixture_arms()
    rows = []
    for goal in ('signup', 'purchase'):
        for name in ('cheaper', 'bundle'):
            o, s = arms['original'], arms[name]
            rate = compare_arms(o[0] if goal == 'signup' else o[2],
                                s[0] if goal == 'signup' else s[2],
                                tuning=tuning, prior_sd=prior_sd)
            revenue = (compare_arms(o[1], s[1], tuning=tuning, prior_sd=prior_sd, is_rate=False)
                       if goal == 'purchase' else None)
            rows.append((name, goal, rate, revenue))
    return rows


def fixture_dimension(arm, i, dimension):
    """The segment value of visitor i of an arm in sql/analysis_readouts.sql."""
    if dimension == 'browser':
        return 'FF' if i % (5 if arm == 'cheaper' else 10) == 0 else 'CH'
    return 'NL' if i % 2 == 0 else None


def print_dimensions():
    arms, pre = fixture_arms(), fixture_pre()
    weights = [34, 33, 33]
    for dimension in ('browser', 'country'):
        values = sorted({fixture_dimension(a, i, dimension) for a in arms for i in range(1, 1001)},
                        key=lambda v: (v is None, v))
        print(f'dimension {dimension}:')
        for value in values:
            chosen = {a: [i - 1 for i in range(1, 1001) if fixture_dimension(a, i, dimension) == value]
                      for a in arms}
            n = [len(chosen[a]) for a in ('original', 'cheaper', 'bundle')]
            expected = [sum(n) * w / sum(weights) for w in weights]
            srm = stats.chisquare(n, expected).pvalue
            print(f'  {value}: visitors {n} share {sum(n) / 3000:.9f} srm {srm:.9f}')
            pick = lambda a, column: [column[j] for j in chosen[a]]
            for name in ('cheaper', 'bundle'):
                o, s = arms['original'], arms[name]
                signup = compare_arms(pick('original', o[0]), pick(name, s[0]))
                bought = compare_arms(pick('original', o[2]), pick(name, s[2]))
                money = compare_arms(pick('original', o[1]), pick(name, s[1]), is_rate=False)
                data = {a: (pick(a, arms[a][0]), pick(a, pre[0])) for a in arms}
                c = cuped(data, 'original', name)
                print(f'    {name}: signup p {signup["fixed_p"]:.9f} cuped {c["p_value"]:.9f}; '
                      f'purchase p {bought["fixed_p"]:.9f} revenue p {money["fixed_p"]:.9f}; '
                      f'revenue {[sum(pick(a, arms[a][1])) for a in ("original", name)]}')
    n = [1000, 1000, 1000]
    print(f'no dimension: srm {stats.chisquare(n, [3000 * w / 100 for w in weights]).pvalue:.9f}')


def print_fixture():
    rows = fixture_rows()
    family = []
    for _, _, rate, revenue in rows:
        family.append(rate['fixed_p'])
        if revenue:
            family.append(revenue['fixed_p'])
    holm, bh = adjust(family, 'holm'), adjust(family, 'bh')
    seq_family = []
    for _, _, rate, revenue in rows:
        seq_family.append(rate['seq_p_value'])
        if revenue:
            seq_family.append(revenue['seq_p_value'])
    seq_holm = adjust(seq_family, 'holm')
    i = 0
    print('fixed p, holm, bh (rate; revenue):')
    for name, goal, rate, revenue in rows:
        line = f'  {name} {goal}: {rate["fixed_p"]:.9f} {holm[i]:.9f} {bh[i]:.9f}'
        j = i + 1
        if revenue:
            line += f'; {revenue["fixed_p"]:.9f} {holm[j]:.9f} {bh[j]:.9f}'
            j += 1
        print(line)
        i = j
    print('sequential (uplift_low, uplift_high, p; holm):')
    i = 0
    for name, goal, rate, revenue in rows:
        print(f'  {name} {goal}: {rate["seq_uplift_low"]:.9f} {rate["seq_uplift_high"]:.9f} '
              f'{rate["seq_p_value"]:.9f}; holm {seq_holm[i]:.9f}')
        i += 1
        if revenue:
            print(f'  {name} {goal} revenue: {revenue["seq_uplift_low"]:.9f} '
                  f'{revenue["seq_uplift_high"]:.9f} {revenue["seq_p_value"]:.9f}')
            i += 1
    for name, goal, rate, _ in fixture_rows(tuning=500):
        if goal == 'signup':
            print(f'  tuning 500 {name}: {rate["seq_uplift_low"]:.9f} {rate["seq_uplift_high"]:.9f} '
                  f'{rate["seq_p_value"]:.9f}')
    for prior in (None, 0.1):
        print(f'bayes prior {prior} (chance, risk; revenue):')
        for name, goal, rate, revenue in fixture_rows(prior_sd=prior):
            line = f'  {name} {goal}: {rate["chance_to_win"]:.9f} {rate["risk"]:.9f}'
            if revenue:
                line += f'; {revenue["chance_to_win"]:.9f} {revenue["risk"]:.9f}'
            print(line)
    print('building blocks:')
    s = sequential(1000, 0.1, 0.09, 1000, 0.13, 0.1131)
    print(f'  sequential: p {s["p_value"]:.9f} ci {s["ci_low"]:.9f} {s["ci_high"]:.9f}')
    b = bayes(1000, 0.1, 0.09, 1000, 0.13, 0.1131)
    print(f'  bayes: {b["lift"]:.9f} {b["lift_sd"]:.9f} {b["chance_to_win"]:.9f} {b["risk"]:.9f}')
    p = [0.01, 0.04, 0.03, 0.04]
    print(f'  holm {adjust(p, "holm")} bh {adjust(p, "bh")}')
    print('cuped (adjusted mean, uplift, low, high, p; sequential low, high, p):')
    for label, metric, lookback in (('signup', 0, 14), ('purchased', 2, 14), ('revenue', 1, 14),
                                    ('signup 30 days', 0, 30)):
        for name, c in fixture_cuped(metric, lookback).items():
            print(f'  {label} {name}: {c["mean_a"]:.9f} {c["mean_b"]:.9f} {c["uplift"]:.9f} '
                  f'{c["uplift_low"]:.9f} {c["uplift_high"]:.9f} {c["p_value"]:.9f}; '
                  f'{c["seq_uplift_low"]:.9f} {c["seq_uplift_high"]:.9f} {c["seq_p_value"]:.9f}')
    seq = []
    for metric in (0, 2):
        seq += [c['seq_p_value'] for c in fixture_cuped(metric).values()]
    revenue = [c['seq_p_value'] for c in fixture_cuped(1).values()]
    # family order: signup cheaper, bundle; purchase cheaper (+revenue), bundle (+revenue)
    family = [seq[0], seq[1], seq[2], revenue[0], seq[3], revenue[1]]
    print(f'  sequential cuped bh: {[round(x, 9) for x in adjust(family, "bh")]}')
    print('ratios (ratio, uplift, low, high, p; sequential low, high, p):')
    arms, orders = fixture_arms(), fixture_orders()
    for name in ('cheaper', 'bundle'):
        for label, a, b in (('revenue per converter', (arms['original'][1], arms['original'][2]),
                             (arms[name][1], arms[name][2])),
                            ('products per order', orders['original'], orders[name])):
            f, q = ratio(a, b), ratio(a, b, tuning=5000)
            print(f'  {label} {name}: {f["ratio_a"]:.9f} {f["ratio_b"]:.9f} {f["uplift"]:.9f} '
                  f'{f["uplift_low"]:.9f} {f["uplift_high"]:.9f} {f["p_value"]:.9f}; '
                  f'{q["uplift_low"]:.9f} {q["uplift_high"]:.9f} {q["p_value"]:.9f}')


# ------------------------------------------------------------- live checks

class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def near(self, what, got, want, tolerance=TOLERANCE):
        if got is None or want is None:
            ok = got is None and want is None
        else:
            scale = abs(want) if abs(want) > 1e-300 else 1.0
            ok = abs(got - want) <= tolerance * scale
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f'FAIL {what}: got {got!r}, want {want!r}')


def sql_rows(query):
    """Rows of a query as lists of strings (None for NULL), through psql."""
    out = subprocess.run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--csv', '-P', 'null=\\N',
                          '-c', query], check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out)))[1:]
    return [[None if v == '\\N' else v for v in r] for r in rows]


def number(v):
    return None if v is None else float(v)


def check_building_blocks(checks, rng):
    """Random inputs through the SQL functions against the reference."""
    for case in range(200):
        n_a, n_b = (int(x) for x in rng.integers(2, 200000, 2))
        mean_a, mean_b = rng.uniform(0.01, 50, 2)
        var_a, var_b = rng.uniform(0.01, 400, 2)
        confidence = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
        tuning = float(rng.choice([100, 5000, 1e5]))
        prior = None if case % 2 else float(rng.uniform(0.01, 1))
        args = f'{n_a}, {mean_a!r}, {var_a!r}, {n_b}, {mean_b!r}, {var_b!r}'
        got = sql_rows(f'SELECT p_value, ci_low, ci_high, uplift_low, uplift_high '
                       f'FROM convert.sequential_test({args}, {confidence!r}, {tuning!r})')[0]
        want = sequential(n_a, mean_a, var_a, n_b, mean_b, var_b, confidence, tuning)
        for i, key in enumerate(('p_value', 'ci_low', 'ci_high', 'uplift_low', 'uplift_high')):
            checks.near(f'sequential_test case {case} {key}', number(got[i]), want[key])
        got = sql_rows(f'SELECT lift, lift_sd, chance_to_win, risk FROM convert.bayes_lift('
                       f'{args}, {"NULL" if prior is None else repr(prior)})')[0]
        want = bayes(n_a, mean_a, var_a, n_b, mean_b, var_b, prior)
        for i, key in enumerate(('lift', 'lift_sd', 'chance_to_win')):
            checks.near(f'bayes_lift case {case} {key}', number(got[i]), want[key])
        checks.near(f'bayes_lift case {case} risk', number(got[3]), want['risk'])
    for case in range(100):
        m = int(rng.integers(1, 40))
        p = list(rng.uniform(0, 1, m) ** rng.uniform(1, 6))
        if case % 3 == 0:
            p[0:m // 2] = [p[0]] * (m // 2)     # ties
        array = 'ARRAY[' + ','.join(repr(float(x)) for x in p) + ']::float8[]'
        for method in ('holm', 'bh'):
            got = sql_rows(f'SELECT unnest(convert.adjusted_p_values({array}, {method!r}))')
            want = adjust(p, method)
            for i in range(m):
                checks.near(f'adjusted_p_values {method} case {case} [{i}]',
                            number(got[i][0]), want[i])


GENERATE = """
INSERT INTO convert.accounts (id, name) VALUES (95, 'reference');
INSERT INTO convert.projects (id, account_id, name) VALUES (95, 95, 'reference');
INSERT INTO convert.experiences (project_id, id, key, status) VALUES (95, 500, 'generated', 'active');
INSERT INTO convert.variations (project_id, experience_id, position, id, key, traffic_allocation)
VALUES (95, 500, 0, 5001, 'a', 34), (95, 500, 1, 5002, 'b', 33), (95, 500, 2, 5003, 'c', 33);
INSERT INTO convert.goals (project_id, id, key, type)
VALUES (95, 801, 'signup', 'code_trigger'), (95, 802, 'purchase', 'revenue');
INSERT INTO convert.experience_goals (project_id, experience_id, goal_id, position)
VALUES (95, 500, 801, 0), (95, 500, 802, 1);
SELECT convert.ensure_event_partitions('2026-03-01', '2026-04-30');
SELECT setseed(0.17);
INSERT INTO convert.visitor_bucketing (project_id, visitor_id, experience_id, variation_id, bucketed_at,
                                      segments_digest)
SELECT 95, 'g-' || i, 500, 5001 + i % 3, timestamptz '2026-04-02' + i * interval '1 minute',
       convert.segment_set_digest(CASE WHEN random() < 0.9
            THEN jsonb_build_object('country', (ARRAY['US', 'DE', 'NL'])[1 + (random() * 2.4)::int]) END)
FROM generate_series(1, 9000) AS i;
-- arm b converts more often, arm c spends more; a visitor's habit (h)
-- carries over from before exposure (days -20..-1: CUPED's covariate
-- within 14 days, older ones not) to after (hours 0..2)
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id, amount,
                            products_count, goal_data)
SELECT timestamptz '2026-04-02' + i * interval '1 minute'
       + CASE WHEN d < 0 THEN d * interval '1 day' ELSE d * interval '1 hour' END, 95, 'g-' || i,
       'conversion', 801 + (random() < 0.5)::int,
       CASE WHEN random() < 0.7 THEN round((random() * 90 * (1 + (i % 3 = 2)::int) * (1 + h))::numeric, 2) END,
       CASE WHEN random() < 0.8 THEN (1 + random() * 4 * h)::int END,
       '[]'
FROM (SELECT i, random() AS h FROM generate_series(1, 9000) AS i) AS v,
     (SELECT generate_series(-20, -1, 3) UNION ALL SELECT generate_series(0, 2)) AS t(d)
WHERE random() < (0.04 + 0.03 * (i % 3 = 1)::int) * (1 + 2 * h);
"""

# the per-visitor truth, straight from the tables: conversions at or after
# exposure, and in the 14 days before it
PER_VISITOR = """
SELECT vb.variation_id, g.id, coalesce(vb.segments->>'country', '') AS country,
       (count(*) FILTER (WHERE ev.received_at >= vb.bucketed_at) > 0)::int AS converted,
       coalesce(sum(ev.amount) FILTER (WHERE ev.received_at >= vb.bucketed_at), 0) AS revenue,
       (count(*) FILTER (WHERE ev.received_at < vb.bucketed_at) > 0)::int AS converted_before,
       coalesce(sum(ev.amount) FILTER (WHERE ev.received_at < vb.bucketed_at), 0) AS revenue_before,
       coalesce(sum(ev.products_count) FILTER (WHERE ev.received_at >= vb.bucketed_at), 0) AS products,
       count(*) FILTER (WHERE ev.received_at >= vb.bucketed_at AND ev.goal_data IS NOT NULL) AS orders
FROM convert.visitor_bucketing_with_segments AS vb
CROSS JOIN (VALUES (801), (802)) AS g(id)
LEFT JOIN convert.events AS ev
  ON ev.project_id = 95 AND ev.visitor_id = vb.visitor_id AND ev.goal_id = g.id
 AND ev.received_at >= vb.bucketed_at - interval '14 days'
WHERE vb.project_id = 95 AND vb.experience_id = 500
GROUP BY vb.visitor_id, vb.variation_id, vb.segments, g.id
"""


def check_generated_experience(checks):
    """experience_analysis on generated events against the per-visitor truth."""
    subprocess.run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', GENERATE],
                   check=True, capture_output=True)
    values = {}
    by_country = {}
    for arm, goal, country, *columns in sql_rows(PER_VISITOR):
        for table, key in ((values, (int(arm), int(goal))), (by_country, (country, int(arm), int(goal)))):
            v = table.setdefault(key, tuple([] for _ in columns))
            for column, value in enumerate(columns):
                v[column].append(float(value))
    for options, tuning, prior in (("", 5000, None),
                                   (", sequential => true, correction => 'bh', prior_sd => 0.2", 5000, 0.2),
                                   (", sequential => true, sequential_tuning => 800, correction => 'holm'", 800, None)):
        rows = sql_rows(f'SELECT variation_id, goal_id, p_value, uplift_low, uplift_high, '
                        f'revenue_p_value, revenue_uplift_low, revenue_uplift_high, '
                        f'chance_to_win, risk, revenue_chance_to_win, revenue_risk, '
                        f'p_value_adjusted, revenue_p_value_adjusted, '
                        f'revenue_per_converter_uplift, revenue_per_converter_uplift_low, '
                        f'revenue_per_converter_uplift_high, revenue_per_converter_p_value, '
                        f'products_per_order_uplift, products_per_order_uplift_low, '
                        f'products_per_order_uplift_high, products_per_order_p_value '
                        f'FROM convert.experience_analysis(95, \'500\'{options}) WHERE NOT is_original')
        sequential_on = 'sequential' in options
        family, wanted = [], []
        for row in rows:
            arm, goal = int(row[0]), int(row[1])
            o, s = values[(5001, goal)], values[(arm, goal)]
            rate = compare_arms(o[0], s[0], tuning=tuning, prior_sd=prior)
            money = compare_arms(o[1], s[1], tuning=tuning, prior_sd=prior, is_rate=False)
            where = f'{options or "defaults"}: arm {arm} goal {goal}'
            p_rate = rate['seq_p_value'] if sequential_on else rate['fixed_p']
            p_money = money['seq_p_value'] if sequential_on else money['fixed_p']
            checks.near(where + ' p_value', number(row[2]), p_rate)
            checks.near(where + ' revenue_p_value', number(row[5]), p_money)
            if sequential_on:
                checks.near(where + ' uplift_low', number(row[3]), rate['seq_uplift_low'])
                checks.near(where + ' uplift_high', number(row[4]), rate['seq_uplift_high'])
                checks.near(where + ' revenue_uplift_low', number(row[6]), money['seq_uplift_low'])
                checks.near(where + ' revenue_uplift_high', number(row[7]), money['seq_uplift_high'])
            checks.near(where + ' chance_to_win', number(row[8]), rate['chance_to_win'])
            checks.near(where + ' risk', number(row[9]), rate['risk'])
            checks.near(where + ' revenue_chance_to_win', number(row[10]), money['chance_to_win'])
            checks.near(where + ' revenue_risk', number(row[11]), money['risk'])
            family += [p_rate, p_money]
            wanted.append((where, number(row[12]), number(row[13])))
            for first, label, a, b in ((14, 'revenue per converter', (o[1], o[0]), (s[1], s[0])),
                                       (18, 'products per order', (o[4], o[5]), (s[4], s[5]))):
                r = ratio(a, b, tuning=tuning if sequential_on else None)
                for i, key in enumerate(('uplift', 'uplift_low', 'uplift_high', 'p_value')):
                    checks.near(f'{where} {label} {key}', number(row[first + i]), r[key])
        if 'correction' in options:
            adjusted = adjust(family, 'bh' if "'bh'" in options else 'holm')
            for i, (where, got_rate, got_money) in enumerate(wanted):
                checks.near(where + ' p_value_adjusted', got_rate, adjusted[2 * i])
                checks.near(where + ' revenue_p_value_adjusted', got_money, adjusted[2 * i + 1])
    check_generated_cuped(checks, values)
    check_generated_dimension(checks, by_country)


def check_generated_dimension(checks, by_country):
    """Results by country: per value the share, the split and the tests."""
    rows = sql_rows("SELECT coalesce(dimension_value, ''), variation_id, goal_id, visitors, "
                    "dimension_share, srm_p_value, p_value, revenue_p_value, cuped_p_value "
                    "FROM convert.experience_analysis(95, '500', dimension => 'country', cuped => true)")
    total = sum(len(v[0]) for (c, a, g), v in by_country.items() if g == 801)
    seen = set()
    for country, arm, goal, visitors, share, srm, p_rate, p_money, p_cuped in rows:
        arm, goal = int(arm), int(goal)
        seen.add((country, arm, goal))
        where = f'country {country or "(none)"} arm {arm} goal {goal}'
        n = [len(by_country[(country, a, goal)][0]) for a in (5001, 5002, 5003)]
        checks.near(where + ' visitors', number(visitors), len(by_country[(country, arm, goal)][0]))
        checks.near(where + ' share', number(share), sum(n) / total)
        checks.near(where + ' srm_p_value', number(srm),
                    stats.chisquare(n, [sum(n) * w / 100 for w in (34, 33, 33)]).pvalue)
        if arm == 5001:
            continue
        o, s = by_country[(country, 5001, goal)], by_country[(country, arm, goal)]
        checks.near(where + ' p_value', number(p_rate), compare_arms(o[0], s[0])['fixed_p'])
        checks.near(where + ' revenue_p_value', number(p_money),
                    compare_arms(o[1], s[1], is_rate=False)['fixed_p'])
        arms = {a: (by_country[(country, a, goal)][0], by_country[(country, a, goal)][2])
                for a in (5001, 5002, 5003)}
        checks.near(where + ' cuped_p_value', number(p_cuped), cuped(arms, 5001, arm)['p_value'])
    # every value, and visitors without one, has its rows
    checks.near('every country has rows', float(len(seen)), float(len(by_country)))


CUPED_COLUMNS = ('cuped_conversion_rate', 'cuped_uplift', 'cuped_uplift_low', 'cuped_uplift_high',
                 'cuped_p_value', 'cuped_revenue_per_visitor', 'revenue_cuped_uplift',
                 'revenue_cuped_uplift_low', 'revenue_cuped_uplift_high', 'revenue_cuped_p_value',
                 'p_value_adjusted', 'revenue_p_value_adjusted')


def check_generated_cuped(checks, values):
    """CUPED on the generated experience, fixed and sequential."""
    for options, sequential_on in ((", cuped => true, correction => 'holm'", False),
                                   (", cuped => true, sequential => true", True)):
        rows = sql_rows(f'SELECT variation_id, goal_id, {", ".join(CUPED_COLUMNS)} '
                        f'FROM convert.experience_analysis(95, \'500\'{options})')
        family, wanted = [], []
        for row in rows:
            arm, goal = int(row[0]), int(row[1])
            got = dict(zip(CUPED_COLUMNS, (number(v) for v in row[2:])))
            where = f'{options}: arm {arm} goal {goal}'
            results = []
            for metric, prefix, mean_column in ((0, 'cuped_', 'cuped_conversion_rate'),
                                                (1, 'revenue_cuped_', 'cuped_revenue_per_visitor')):
                arms = {a: (values[(a, goal)][metric], values[(a, goal)][metric + 2])
                        for a in (5001, 5002, 5003)}
                other = 5002 if arm == 5001 else arm
                c = cuped(arms, 5001, other)
                checks.near(where + ' ' + mean_column, got[mean_column],
                            c['mean_a'] if arm == 5001 else c['mean_b'])
                if arm == 5001:
                    continue
                key = 'seq_' if sequential_on else ''
                checks.near(where + ' ' + prefix + 'uplift', got[prefix + 'uplift'], c['uplift'])
                for bound in ('uplift_low', 'uplift_high', 'p_value'):
                    checks.near(where + ' ' + prefix + bound, got[prefix + bound], c[key + bound])
                results.append(c['p_value'])
            if arm != 5001:
                family += results
                wanted.append((where, got['p_value_adjusted'], got['revenue_p_value_adjusted']))
        if 'correction' in options:
            adjusted = adjust(family, 'holm')
            for i, (where, got_rate, got_money) in enumerate(wanted):
                checks.near(where + ' p_value_adjusted', got_rate, adjusted[2 * i])
                checks.near(where + ' revenue_p_value_adjusted', got_money, adjusted[2 * i + 1])


# each exposed visitor's exposure day and first conversion day per goal
FIRST_CONVERSIONS = """
SELECT vb.variation_id, (vb.bucketed_at AT TIME ZONE 'UTC')::date, g.id,
       (min(ev.received_at) AT TIME ZONE 'UTC')::date
FROM convert.visitor_bucketing_with_segments AS vb
CROSS JOIN (VALUES (801), (802)) AS g(id)
LEFT JOIN convert.events AS ev
  ON ev.project_id = 95 AND ev.visitor_id = vb.visitor_id AND ev.goal_id = g.id
 AND ev.received_at >= vb.bucketed_at
WHERE vb.project_id = 95 AND vb.experience_id = 500
GROUP BY vb.visitor_id, vb.variation_id, vb.bucketed_at, g.id
"""


def check_generated_daily(checks):
    """experience_daily_results: cumulative counts and tests per day."""
    visitors = {}
    for arm, exposed, goal, first in sql_rows(FIRST_CONVERSIONS):
        visitors.setdefault((int(arm), int(goal)), []).append((exposed, first))
    for sequential_on in (False, True):
        rows = sql_rows(f"SELECT day, variation_id, goal_id, visitors, converting_visitors, "
                        f"uplift_low, uplift_high, p_value FROM convert.experience_daily_results("
                        f"95, '500', sequential => {str(sequential_on).lower()})")
        for day, arm, goal, n, converted, low, high, p in rows:
            arm, goal = int(arm), int(goal)
            counts = {}
            for a in (5001, arm):
                people = visitors[(a, goal)]
                counts[a] = (sum(1 for x, _ in people if x <= day),
                             sum(1 for _, f in people if f is not None and f <= day))
            where = f'daily {day} arm {arm} goal {goal} sequential {sequential_on}'
            checks.near(where + ' visitors', number(n), counts[arm][0])
            checks.near(where + ' converting', number(converted), counts[arm][1])
            (n_a, c_a), (n_b, c_b) = counts[5001], counts[arm]
            if arm == 5001 or c_a == 0 or c_a == n_a:
                continue
            if sequential_on:
                r = sequential(n_a, c_a / n_a, c_a / n_a * (1 - c_a / n_a),
                               n_b, c_b / n_b, c_b / n_b * (1 - c_b / n_b))
                checks.near(where + ' uplift_low', number(low), r['uplift_low'])
                checks.near(where + ' uplift_high', number(high), r['uplift_high'])
                checks.near(where + ' p_value', number(p), r['p_value'])
            else:
                checks.near(where + ' p_value', number(p), proportions_ztest([c_b, c_a], [n_b, n_a])[1])


def live():
    checks = Checks()
    check_building_blocks(checks, np.random.default_rng(20261206))
    check_generated_experience(checks)
    check_generated_daily(checks)
    print(f'analysis reference: {checks.passed} passed, {checks.failed} failed')
    return 0 if checks.failed == 0 else 1


if __name__ == '__main__':
    if sys.argv[1:] == ['fixture']:
        print_fixture()
        print_dimensions()
    elif sys.argv[1:] == ['live']:
        sys.exit(live())
    else:
        sys.exit(__doc__)
