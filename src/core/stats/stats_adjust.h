/*
 * stats_adjust.h — p-values adjusted for multiple comparisons, when one
 * experience tests several variations on several goals at once:
 *
 *   Holm-Bonferroni      controls the family-wise error rate
 *   Benjamini-Hochberg   controls the false discovery rate
 *
 * Undefined p-values (NaN) are not tests: they stay NaN and do not count
 * in the family size.
 */
#ifndef CONVERT_STATS_ADJUST_H
#define CONVERT_STATS_ADJUST_H

#include <stdbool.h>
#include <stddef.h>

typedef enum cv_adjustment
{
	CV_ADJUST_HOLM,
	CV_ADJUST_BENJAMINI_HOCHBERG
} cv_adjustment;

/*
 * adjusted[i] for p[i], i < n; work[] is scratch room for 2 * n indexes.
 * Returns false when a p-value is outside [0, 1].
 */
bool		cv_adjust_p_values(const double *p, size_t n, cv_adjustment method,
							   double *adjusted, size_t *work);

#endif
