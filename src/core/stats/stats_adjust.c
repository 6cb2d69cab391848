/*
 * stats_adjust.c — Holm-Bonferroni and Benjamini-Hochberg adjusted
 * p-values (see stats_adjust.h).
 *
 * With the m defined p-values sorted ascending, p(1) <= ... <= p(m):
 *   Holm  adj(i) = min(1, max over j <= i of (m - j + 1) p(j))
 *   BH    adj(i) = min(1, min over j >= i of m p(j) / j)
 * Tied p-values get the same adjusted value whatever their order.
 */
#include "stats/stats_adjust.h"

#include <math.h>

/* Sort indexes by their p-value; a merge sort, so no global state is needed. */
static void
sort_indexes(const double *p, size_t *order, size_t *scratch, size_t n)
{
	size_t		half = n / 2;
	size_t		i = 0,
				j = half,
				k = 0;

	if (n < 2)
		return;
	sort_indexes(p, order, scratch, half);
	sort_indexes(p, order + half, scratch, n - half);
	while (i < half && j < n)
		scratch[k++] = p[order[j]] < p[order[i]] ? order[j++] : order[i++];
	while (i < half)
		scratch[k++] = order[i++];
	while (j < n)
		scratch[k++] = order[j++];
	for (k = 0; k < n; k++)
		order[k] = scratch[k];
}

/* min(x, 1). */
static double
at_most_one(double x)
{
	return x < 1 ? x : 1;
}

bool
cv_adjust_p_values(const double *p, size_t n, cv_adjustment method,
				   double *adjusted, size_t *work)
{
	size_t	   *order = work;
	size_t		m = 0;

	for (size_t i = 0; i < n; i++)
	{
		adjusted[i] = NAN;
		if (isnan(p[i]))
			continue;
		if (!(p[i] >= 0 && p[i] <= 1))
			return false;
		order[m++] = i;
	}
	if (m == 0)
		return true;
	sort_indexes(p, order, work + n, m);
	if (method == CV_ADJUST_HOLM)
	{
		double		running = 0;

		for (size_t r = 0; r < m; r++)
		{
			double		v = (double) (m - r) * p[order[r]];

			running = v > running ? v : running;
			adjusted[order[r]] = at_most_one(running);
		}
	}
	else
	{
		double		running = 1;

		for (size_t r = m; r-- > 0;)
		{
			double		v = (double) m * p[order[r]] / (double) (r + 1);

			running = v < running ? v : running;
			adjusted[order[r]] = at_most_one(running);
		}
	}
	return true;
}
