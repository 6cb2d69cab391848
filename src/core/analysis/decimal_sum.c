/*
 * decimal_sum.c — exact decimal numbers for summing order values
 * (see decimal_sum.h).
 */
#include "analysis/decimal_sum.h"

/* 10^n as a 128-bit integer, n <= 38. */
static cv_int128
power_of_ten(int n)
{
	cv_int128	p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

/* *v *= 10^n; false when that overflows. */
static bool
scale_up(cv_int128 *v, int n)
{
	return !__builtin_mul_overflow(*v, power_of_ten(n), v);
}

/* Append one digit to a magnitude; false on overflow. */
static bool
push_digit(cv_int128 *magnitude, int digit)
{
	return !__builtin_mul_overflow(*magnitude, 10, magnitude) &&
		!__builtin_add_overflow(*magnitude, digit, magnitude);
}

cv_decimal_status
cv_decimal_parse(const char *s, size_t len, cv_decimal *out)
{
	const char *end = s + len;
	bool		negative = false;
	bool		any_digit = false;
	bool		in_fraction = false;
	int			dropped = 0;	/* digits beyond CV_DECIMAL_MAX_SCALE */
	int			first_dropped = 0;
	int			scale = 0;
	cv_int128	magnitude = 0;

	if (s < end && (*s == '-' || *s == '+'))
		negative = (*s++ == '-');
	for (; s < end; s++)
	{
		if (*s == '.' && !in_fraction)
		{
			in_fraction = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return CV_DECIMAL_INVALID;
		any_digit = true;
		if (in_fraction && scale == CV_DECIMAL_MAX_SCALE)
		{
			if (dropped++ == 0)
				first_dropped = *s - '0';
			continue;
		}
		if (!push_digit(&magnitude, *s - '0'))
			return CV_DECIMAL_OUT_OF_RANGE;
		if (in_fraction)
			scale++;
	}
	if (!any_digit)
		return CV_DECIMAL_INVALID;
	if (first_dropped >= 5 && __builtin_add_overflow(magnitude, 1, &magnitude))
		return CV_DECIMAL_OUT_OF_RANGE;
	out->units = negative ? -magnitude : magnitude;
	out->scale = scale;
	return CV_DECIMAL_OK;
}

bool
cv_decimal_add(cv_decimal *sum, const cv_decimal *x)
{
	cv_int128	a = sum->units;
	cv_int128	b = x->units;
	int			scale = sum->scale > x->scale ? sum->scale : x->scale;

	if (!scale_up(&a, scale - sum->scale) || !scale_up(&b, scale - x->scale) ||
		__builtin_add_overflow(a, b, &a))
		return false;
	sum->units = a;
	sum->scale = scale;
	return true;
}

int
cv_decimal_cmp(const cv_decimal *a, const cv_decimal *b)
{
	cv_int128	x = a->units;
	cv_int128	y = b->units;

	/*
	 * Bring both to the larger scale.  If that overflows, the rescaled
	 * value is larger in magnitude than anything at that scale, so its sign
	 * decides.
	 */
	if (a->scale < b->scale && !scale_up(&x, b->scale - a->scale))
		return a->units < 0 ? -1 : 1;
	if (b->scale < a->scale && !scale_up(&y, a->scale - b->scale))
		return b->units < 0 ? 1 : -1;
	return (x > y) - (x < y);
}

long double
cv_decimal_to_long_double(const cv_decimal *d)
{
	return (long double) d->units / (long double) power_of_ten(d->scale);
}

size_t
cv_decimal_format(const cv_decimal *d, char *buf)
{
	char		digits[CV_DECIMAL_TEXT_MAX];
	int			n = 0;
	size_t		len = 0;
	/* the magnitude as unsigned, so that the most negative value works */
	unsigned __int128 m = d->units < 0 ? -(unsigned __int128) d->units
		: (unsigned __int128) d->units;

	do
	{
		digits[n++] = (char) ('0' + (int) (m % 10));
		m /= 10;
	} while (m != 0 || n <= d->scale);
	if (d->units < 0)
		buf[len++] = '-';
	while (n > 0)
	{
		if (n == d->scale)
			buf[len++] = '.';
		buf[len++] = digits[--n];
	}
	buf[len] = '\0';
	return len;
}

/*
 * Quickselect with a three-way partition, since order values repeat a lot
 * (prices), and a median-of-three pivot.
 */
cv_decimal
cv_decimal_select(cv_decimal *v, size_t n, size_t k)
{
	size_t		lo = 0;
	size_t		hi = n;			/* the answer lies in v[lo..hi) */

	while (hi - lo > 1)
	{
		const cv_decimal *a = &v[lo];
		const cv_decimal *b = &v[lo + (hi - lo) / 2];
		const cv_decimal *c = &v[hi - 1];
		cv_decimal	pivot = *(cv_decimal_cmp(a, b) < 0
							  ? (cv_decimal_cmp(b, c) < 0 ? b : cv_decimal_cmp(a, c) < 0 ? c : a)
							  : (cv_decimal_cmp(a, c) < 0 ? a : cv_decimal_cmp(b, c) < 0 ? c : b));
		size_t		less = lo;	/* v[lo..less) < pivot */
		size_t		i = lo;		/* v[less..i) == pivot */
		size_t		greater = hi;	/* v[greater..hi) > pivot */

		while (i < greater)
		{
			int			order = cv_decimal_cmp(&v[i], &pivot);
			cv_decimal	swap = v[i];

			if (order < 0)
			{
				v[i++] = v[less];
				v[less++] = swap;
			}
			else if (order > 0)
			{
				v[i] = v[--greater];
				v[greater] = swap;
			}
			else
				i++;
		}
		if (k < less)
			hi = less;
		else if (k >= greater)
			lo = greater;
		else
			return pivot;
	}
	return v[lo];
}
