/*
 * rules_format.h — the compiled rule tree's binary layout (internal to the
 * rules modules: compiler, checker, printer, evaluator).
 *
 * One contiguous block, 4-byte aligned, offsets relative to its start, so
 * it can live inside a varlena datum:
 *
 *   cv_rules_header
 *   cv_rules_block  and_blocks[n_and]       the items of "OR" ({"AND":…});
 *                                           children: orwhen_blocks
 *   cv_rules_block  orwhen_blocks[n_orwhen] the items of the "AND" arrays
 *                                           ({"OR_WHEN":…}); children: elems
 *   cv_rules_elem   elems[n_elem]           the items of the "OR_WHEN" arrays
 *   cv_rules_str    isin[n_isin]            isIn lists, lower-cased
 *   char            pool[pool_len]          every string, NUL-terminated
 *
 * Everything an element needs per row is precomputed at compile time:
 * the rule value's String() and its lower-cased form, isNumeric/toNumber,
 * the split isIn list, the trimmed-empty test of `contains`.
 */
#ifndef CONVERT_RULES_FORMAT_H
#define CONVERT_RULES_FORMAT_H

#include <stdint.h>
#include <string.h>

#define CV_RULES_MAGIC 0x31525643u	/* "CVR1" */
#define CV_RULES_NONE 0xFFFFFFFFu

typedef struct cv_rules_header
{
	uint32_t	magic;
	uint32_t	size;			/* whole block, bytes */
	uint32_t	n_and;
	uint32_t	n_orwhen;
	uint32_t	n_elem;
	uint32_t	n_isin;
	uint32_t	n_regex;
	uint32_t	pool_len;
	uint32_t	mx_elem;		/* first bucketed_into_experience_key, or NONE */
} cv_rules_header;

typedef struct cv_rules_block
{
	uint32_t	first;			/* index of the first child */
	uint32_t	count;			/* 0: empty or malformed, evaluates false */
	uint32_t	malformed;		/* printed as an empty block */
} cv_rules_block;

typedef struct cv_rules_str
{
	uint32_t	off;			/* into pool */
	uint32_t	len;
} cv_rules_str;

/* Comparators (match_type), in the order of the allowed-values hint. */
typedef enum cv_match
{
	CV_MATCH_EQUALS,
	CV_MATCH_MATCHES,
	CV_MATCH_EQUALS_NUMBER,
	CV_MATCH_LESS,
	CV_MATCH_LESS_EQUAL,
	CV_MATCH_CONTAINS,
	CV_MATCH_IS_IN,
	CV_MATCH_STARTS_WITH,
	CV_MATCH_ENDS_WITH,
	CV_MATCH_REGEX_MATCHES,
	CV_MATCH_EXISTS,
	CV_MATCH_NOT_EXISTS,
	CV_MATCH_DOES_NOT_EXIST,
	CV_MATCH_COUNT,
	CV_MATCH_UNKNOWN = 255		/* lenient mode: not a comparator */
} cv_match;

/* Element flags. */
#define CV_EL_VALID 0x01		/* passes the SDK's isValidRule */
#define CV_EL_NEGATED 0x02
#define CV_EL_HAS_KEY 0x04		/* key is a JSON string */
#define CV_EL_HAS_VALUE 0x08
#define CV_EL_HAS_NEGATED 0x10	/* negated member present (boolean) */
#define CV_EL_CONTAINS_ALL 0x20 /* L(S(value)) is blank: contains is true */
#define CV_EL_VALUE_NUMERIC 0x40	/* isNumeric(value): less* use vnum */
#define CV_EL_MALFORMED 0x80	/* lenient: not an object etc.; prints {} */

/* JSON kind of the rule value (cv_jv_kind numbering). */
typedef struct cv_rules_elem
{
	uint8_t		match;			/* cv_match */
	uint8_t		flags;
	uint8_t		vkind;			/* cv_jv_kind of value */
	uint8_t		vbool;
	uint32_t	vnum[2];		/* double: value, or toNumber(value) */
	uint32_t	regex;			/* index among the runtime's regexes, or NONE */
	uint32_t	isin_first;
	uint32_t	isin_count;
	cv_rules_str rule_type;		/* rule_type text (printing, providers) */
	cv_rules_str match_name;	/* match_type text as written */
	cv_rules_str key;
	cv_rules_str value_json;	/* canonical JSON of value */
	cv_rules_str value_str;		/* String(value) */
	cv_rules_str value_lower;	/* String(value).toLowerCase() */
} cv_rules_elem;

typedef struct cv_rules_view
{
	const cv_rules_header *h;
	const cv_rules_block *and_blocks;
	const cv_rules_block *orwhen_blocks;
	const cv_rules_elem *elems;
	const cv_rules_str *isin;
	const char *pool;
} cv_rules_view;

static inline size_t
cv_rules_layout_size(uint32_t n_and, uint32_t n_orwhen,
					 uint32_t n_elem, uint32_t n_isin, uint32_t pool_len)
{
	return sizeof(cv_rules_header)
		+ ((size_t) n_and + n_orwhen) * sizeof(cv_rules_block)
		+ (size_t) n_elem * sizeof(cv_rules_elem)
		+ (size_t) n_isin * sizeof(cv_rules_str)
		+ (((size_t) pool_len + 3) & ~(size_t) 3);
}

static inline cv_rules_view
cv_rules_view_of(const void *bin)
{
	cv_rules_view v;
	const char *p = (const char *) bin;

	v.h = (const cv_rules_header *) p;
	p += sizeof(cv_rules_header);
	v.and_blocks = (const cv_rules_block *) p;
	p += v.h->n_and * sizeof(cv_rules_block);
	v.orwhen_blocks = (const cv_rules_block *) p;
	p += v.h->n_orwhen * sizeof(cv_rules_block);
	v.elems = (const cv_rules_elem *) p;
	p += v.h->n_elem * sizeof(cv_rules_elem);
	v.isin = (const cv_rules_str *) p;
	p += v.h->n_isin * sizeof(cv_rules_str);
	v.pool = p;
	return v;
}

static inline double
cv_rules_elem_num(const cv_rules_elem *e)
{
	double		d;

	memcpy(&d, e->vnum, sizeof(d));
	return d;
}

/* Names of the comparators, indexed by cv_match. */
extern const char *const cv_match_names[CV_MATCH_COUNT];

#endif
