/*
 * analysis_scan.h — what convert_module.c needs from analysis_scan.c.
 */
#ifndef CONVERT_ANALYSIS_SCAN_H
#define CONVERT_ANALYSIS_SCAN_H

/* Define convert.analysis_memory_limit (from _PG_init). */
void		analysis_define_settings(void);

#endif							/* CONVERT_ANALYSIS_SCAN_H */
