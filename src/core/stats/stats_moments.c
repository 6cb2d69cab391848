/*
 * stats_moments.c — mergeable moments of a metric and its covariate
 * (stats_moments.h).
 *
 * Adding one value is the combination with a state of n = 1, written out:
 * the centred sums grow by the product of the value's deviations from the
 * old and the new mean, which keeps them accurate where sums of squares
 * minus squared sums would cancel.
 */
#include "stats/stats_moments.h"

#include <math.h>

void
cv_moments_add(cv_moments *m, double y, double x)
{
	double		dy = y - m->mean_y;
	double		dx = x - m->mean_x;

	m->n++;
	m->mean_y += dy / (double) m->n;
	m->mean_x += dx / (double) m->n;
	m->m2_y += dy * (y - m->mean_y);
	m->m2_x += dx * (x - m->mean_x);
	m->c_xy += dx * (y - m->mean_y);
}

void
cv_moments_combine(cv_moments *a, const cv_moments *b)
{
	double		na = (double) a->n;
	double		nb = (double) b->n;
	double		n;
	double		dy;
	double		dx;

	if (b->n == 0)
		return;
	if (a->n == 0)
	{
		*a = *b;
		return;
	}
	n = na + nb;
	dy = b->mean_y - a->mean_y;
	dx = b->mean_x - a->mean_x;
	a->m2_y += b->m2_y + dy * dy * na * nb / n;
	a->m2_x += b->m2_x + dx * dx * na * nb / n;
	a->c_xy += b->c_xy + dx * dy * na * nb / n;
	a->mean_y += dy * nb / n;
	a->mean_x += dx * nb / n;
	a->n += b->n;
}

double
cv_moments_sum_y(const cv_moments *m)
{
	return (double) m->n * m->mean_y;
}

double
cv_moments_sum_x(const cv_moments *m)
{
	return (double) m->n * m->mean_x;
}

double
cv_moments_sum_yy(const cv_moments *m)
{
	return m->m2_y + (double) m->n * m->mean_y * m->mean_y;
}

double
cv_moments_sum_xx(const cv_moments *m)
{
	return m->m2_x + (double) m->n * m->mean_x * m->mean_x;
}

double
cv_moments_sum_xy(const cv_moments *m)
{
	return m->c_xy + (double) m->n * m->mean_x * m->mean_y;
}

double
cv_moments_variance_y(const cv_moments *m)
{
	return m->n < 2 ? NAN : m->m2_y / (double) (m->n - 1);
}
