/*
 * js_regex.c — JavaScript (non-Unicode, flag i) patterns on PCRE2: a
 * translation of the JavaScript syntax into PCRE2 syntax, then a
 * compiled code with a match limit (see js_regex.h).
 *
 * Without the u flag a JavaScript pattern works on UTF-16 code units: `.`
 * matches half of an emoji, `\ud83d` matches its first half, `😀?` makes
 * only the second half optional.  PCRE2's 16-bit library in non-UTF mode
 * works the same way, so the pattern is emitted as code units (a
 * character beyond U+FFFF becomes its two surrogates) and the subject is
 * matched as UTF-16.
 */
#define PCRE2_CODE_UNIT_WIDTH 16

#include "js/js_regex.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <unicode/ustring.h>

#include "js/js_string.h"

struct cv_regex
{
	pcre2_code *code;			/* NULL: over the limits, every search gives up */
	pcre2_match_data *match;
	pcre2_match_context *mctx;
	bool		jit;
	cv_buf		subject;		/* the subject in canonical case (UTF-8) */
	UChar	   *units;			/* ... and in UTF-16 */
	size_t		units_cap;
};

/* JavaScript's \s as PCRE2 class items, and its complement (\S). */
#define JS_SPACE_ITEMS "\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}" \
	"\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}"
#define JS_NONSPACE_ITEMS "\\x{0}-\\x{8}\\x{e}-\\x{1f}\\x{21}-\\x{9f}" \
	"\\x{a1}-\\x{167f}\\x{1681}-\\x{1fff}\\x{200b}-\\x{2027}\\x{202a}-\\x{202e}" \
	"\\x{2030}-\\x{205e}\\x{2060}-\\x{2fff}\\x{3001}-\\x{fefe}\\x{ff00}-\\x{ffff}"
/* `.`: anything but a line terminator. */
#define JS_DOT "[^\\n\\r\\x{2028}\\x{2029}]"

typedef enum after
{
	AFTER_NOTHING,				/* start, '(' or '|': a quantifier is an error */
	AFTER_ATOM,
	AFTER_QUANTIFIER,			/* a '?' makes it lazy */
	AFTER_LAZY,
	AFTER_ASSERTION				/* ^ $ \b \B lookbehind: not quantifiable */
} after;

typedef struct translator
{
	const char *p;
	size_t		len;
	size_t		pos;
	cv_buf		out;
	int			groups;			/* capturing groups in the whole pattern */
	bool		named;			/* has named groups (\k is a backreference) */
	char		stack[256];		/* open groups: 'c' normal, 'a' lookahead, 'b' lookbehind */
	int			depth;
	after		state;
	uint32_t	pending_unit;	/* low surrogate still to read as a class atom */
	const char *error;
} translator;

/* Record why the pattern cannot be translated; returns false. */
static bool
t_fail(translator *t, const char *msg)
{
	if (t->error == NULL)
		t->error = msg;
	return false;
}

/* Append PCRE2 text to the translation. */
static bool
emit(translator *t, const char *s)
{
	return cv_buf_append(&t->out, s, strlen(s)) || t_fail(t, "out of memory");
}

/* Append one code point to the translation, escaped. */
static bool
emit_cp(translator *t, uint32_t cp)
{
	char		buf[16];

	snprintf(buf, sizeof(buf), "\\x{%x}", (unsigned) cp);
	return emit(t, buf);
}

/* The value of a hex digit, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The n hex digits at position at as a number, or -1. */
static long
hex_at(translator *t, size_t at, int n)
{
	long		v = 0;

	if (at + (size_t) n > t->len)
		return -1;
	for (int i = 0; i < n; i++)
	{
		int			h = hexval(t->p[at + i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static bool
is_ascii_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Case-insensitivity is done the way ECMAScript defines it rather than by
 * PCRE2_CASELESS (whose Unicode case sets are wider: /k/i would match
 * KELVIN SIGN, /s/i LONG S): the subject is mapped to Canonicalize()
 * forms before matching (cv_js_append_canonical) and every literal of
 * the pattern is emitted in canonical form, then PCRE2 matches exactly.
 * Classes keep their members and gain the canonical forms of them.
 */

/* A character beyond U+FFFF as its UTF-16 surrogates. */
static uint32_t
high_surrogate(uint32_t cp)
{
	return 0xD800 + ((cp - 0x10000) >> 10);
}

/* The low UTF-16 surrogate of a supplementary code point. */
static uint32_t
low_surrogate(uint32_t cp)
{
	return 0xDC00 + (cp & 0x3FF);
}

/* A literal character outside a class (two code units beyond U+FFFF). */
static bool
emit_char(translator *t, uint32_t cp)
{
	uint32_t	canon = cv_js_canonicalize(cp);

	if (cp > 0xFFFF)
		return emit_cp(t, high_surrogate(cp)) && emit_cp(t, low_surrogate(cp));

	if (canon < 0x80 && is_ascii_alnum((char) canon))
	{
		char		buf[2] = {(char) canon, '\0'};

		return emit(t, buf);
	}
	return emit_cp(t, canon);
}

/* The code point at pos (one UTF-8 sequence); advances past it. */
static uint32_t
next_cp(translator *t)
{
	uint32_t	cp;

	t->pos += cv_utf8_next(t->p + t->pos, t->len - t->pos, &cp);
	return cp;
}

/* \uHHHH (pos at 'u'): one code unit, or -1 for a literal "u". */
static long
unicode_escape(translator *t)
{
	long		u = hex_at(t, t->pos + 1, 4);

	if (u >= 0)
		t->pos += 5;
	return u;
}

/* Annex B legacy octal escape (pos at the first digit, 0-7). */
static uint32_t
legacy_octal(translator *t)
{
	uint32_t	v = (uint32_t) (t->p[t->pos++] - '0');
	int			max_more = v <= 3 ? 2 : 1;

	for (int i = 0; i < max_more && t->pos < t->len &&
		 t->p[t->pos] >= '0' && t->p[t->pos] <= '7'; i++)
		v = v * 8 + (uint32_t) (t->p[t->pos++] - '0');
	return v;
}

/*
 * Escapes that denote one character the same way inside and outside a
 * class: \n \r \t \f \v \xHH \uHHHH \cX and identity escapes.  pos is at
 * the character after the backslash.
 */
static void
char_escape(translator *t, bool in_class, uint32_t *cp)
{
	char		c = t->p[t->pos];
	long		v;
	static const char simple[] = "nrtfv";
	static const uint32_t simple_cp[] = {'\n', '\r', '\t', '\f', 0x0B};
	const char *hit = strchr(simple, c);

	if (hit != NULL && c != '\0')
	{
		t->pos++;
		*cp = simple_cp[hit - simple];
		return;
	}
	if (c == 'x' && (v = hex_at(t, t->pos + 1, 2)) >= 0)
	{
		t->pos += 3;
		*cp = (uint32_t) v;
		return;
	}
	if (c == 'u' && (v = unicode_escape(t)) >= 0)
	{
		*cp = (uint32_t) v;
		return;
	}
	if (c == 'c')
	{
		char		n = t->pos + 1 < t->len ? t->p[t->pos + 1] : '\0';

		if (((n | 0x20) >= 'a' && (n | 0x20) <= 'z') ||
			(in_class && ((n >= '0' && n <= '9') || n == '_')))
		{
			t->pos += 2;
			*cp = (uint32_t) (n % 32);
			return;
		}
		/* A lone \c is a backslash; the "c" is read next. */
		*cp = '\\';
		return;
	}
	*cp = next_cp(t);			/* identity escape */
}

/* \1..\9...: a backreference, else a legacy octal escape or a digit. */
static bool
decimal_escape(translator *t)
{
	size_t		start = t->pos;
	long		n = 0;
	char		buf[32];

	while (t->pos < t->len && t->p[t->pos] >= '0' && t->p[t->pos] <= '9' && n < 100000)
		n = n * 10 + (t->p[t->pos++] - '0');
	if (n <= t->groups)
	{
		snprintf(buf, sizeof(buf), "\\g{%ld}", n);
		return emit(t, buf);
	}
	t->pos = start;
	if (t->p[start] >= '8')
		return emit_char(t, (uint32_t) t->p[t->pos++]);
	return emit_char(t, legacy_octal(t));
}

/* Is \c a class escape that stands for a set (\d \w \s and negations)? */
static bool
class_escape_is_set(char c)
{
	return c == 'd' || c == 'D' || c == 'w' || c == 'W' || c == 's' || c == 'S';
}

/* \d \D \w \W \s \S as class items (they need no canonical additions). */
static const char *
set_items(char c)
{
	switch (c)
	{
		case 'd': return "\\d";
		case 'D': return "\\D";
		case 'w': return "\\w";
		case 'W': return "\\W";
		case 's': return JS_SPACE_ITEMS;
		default: return JS_NONSPACE_ITEMS;
	}
}

typedef struct class_atom
{
	enum
	{
		ATOM_CHAR, ATOM_SET
	}			kind;
	uint32_t	cp;
	char		set;
} class_atom;

/* A character beyond U+FFFF is two class atoms: its surrogates. */
static void
split_astral(translator *t, class_atom *a)
{
	if (a->kind == ATOM_CHAR && a->cp > 0xFFFF)
	{
		t->pending_unit = low_surrogate(a->cp);
		a->cp = high_surrogate(a->cp);
	}
}

/* One class item at pos: a code unit or a set escape. */
static bool
read_class_atom(translator *t, class_atom *a)
{
	char		c;

	a->kind = ATOM_CHAR;
	if (t->pending_unit != 0)
	{
		a->cp = t->pending_unit;
		t->pending_unit = 0;
		return true;
	}
	if (t->p[t->pos] != '\\')
	{
		a->cp = next_cp(t);
		split_astral(t, a);
		return true;
	}
	if (++t->pos >= t->len)
		return t_fail(t, "\\ at end of pattern");
	c = t->p[t->pos];
	if (class_escape_is_set(c))
	{
		t->pos++;
		a->kind = ATOM_SET;
		a->set = c;
		return true;
	}
	if (c == 'b')
	{
		t->pos++;
		a->cp = 0x08;
	}
	else if (c == '0' && !(t->pos + 1 < t->len && t->p[t->pos + 1] >= '0' &&
						   t->p[t->pos + 1] <= '9'))
	{
		t->pos++;
		a->cp = 0;
	}
	else if (c >= '0' && c <= '7')
		a->cp = legacy_octal(t);
	else if (c == '8' || c == '9' || c == '-')
		a->cp = (uint32_t) t->p[t->pos++];
	else
		char_escape(t, true, &a->cp);
	split_astral(t, a);
	return true;
}

/* Canonical forms of lo..hi (BMP part) that differ from themselves. */
static bool
add_canonical_members(translator *t, cv_buf *extra, uint32_t lo, uint32_t hi)
{
	for (uint32_t c = lo; c <= hi && c <= 0xFFFF; c++)
	{
		uint32_t	canon = cv_js_canonicalize(c);
		char		buf[16];

		if (canon == c)
			continue;
		snprintf(buf, sizeof(buf), "\\x{%x}", (unsigned) canon);
		if (!cv_buf_append(extra, buf, strlen(buf)))
			return t_fail(t, "out of memory");
	}
	return true;
}

/* One atom of a character class, with the characters ECMAScript's case
 * folding adds. */
static bool
emit_class_atom(translator *t, const class_atom *a, cv_buf *extra)
{
	if (a->kind == ATOM_SET)
		return emit(t, set_items(a->set));
	return emit_cp(t, a->cp) && add_canonical_members(t, extra, a->cp, a->cp);
}

/* Items of a class up to its ']' (pos after "[" or "[^"). */
static bool
class_items(translator *t, cv_buf *extra)
{
	while (t->pending_unit != 0 || (t->pos < t->len && t->p[t->pos] != ']'))
	{
		class_atom	a, b;
		size_t		save;

		if (!read_class_atom(t, &a))
			return false;
		/* A range needs a '-' next (not the second half of a pair). */
		if (a.kind != ATOM_CHAR || t->pending_unit != 0 || t->pos + 1 >= t->len ||
			t->p[t->pos] != '-' || t->p[t->pos + 1] == ']')
		{
			if (!emit_class_atom(t, &a, extra))
				return false;
			continue;
		}
		save = t->pos++;		/* the '-' */
		if (!read_class_atom(t, &b))
			return false;
		if (b.kind != ATOM_CHAR)
		{
			/* Annex B: a range with a set at one end is a literal '-'. */
			t->pos = save + 1;
			t->pending_unit = 0;
			if (!emit_class_atom(t, &a, extra) || !emit(t, "\\-"))
				return false;
			continue;
		}
		if (a.cp > b.cp)
			return t_fail(t, "range out of order in character class");
		if (!emit_cp(t, a.cp) || !emit(t, "-") || !emit_cp(t, b.cp) ||
			!add_canonical_members(t, extra, a.cp, b.cp))
			return false;
	}
	if (t->pos >= t->len)
		return t_fail(t, "missing /]/");
	t->pos++;
	return true;
}

/* A class [...] (pos at '['). */
static bool
character_class(translator *t)
{
	bool		negated;
	cv_buf		extra = {0};
	bool		ok;

	t->pos++;
	negated = t->pos < t->len && t->p[t->pos] == '^';
	if (negated)
		t->pos++;
	if (t->pos < t->len && t->p[t->pos] == ']')
	{
		t->pos++;
		/* [] matches nothing, [^] any character. */
		return emit(t, negated ? "[\\x{0}-\\x{ffff}]" : "(?!)");
	}
	ok = emit(t, negated ? "[^" : "[") && class_items(t, &extra) &&
		(extra.len == 0 || cv_buf_append(&t->out, extra.data, extra.len)) &&
		emit(t, "]");
	cv_buf_free(&extra);
	return ok;
}

/* {n}, {n,}, {n,m} at pos: its length, or 0 when it is a literal '{'. */
static size_t
brace_quantifier_len(translator *t)
{
	size_t		i = t->pos + 1;
	size_t		d1, d2 = 0;

	for (d1 = 0; i < t->len && t->p[i] >= '0' && t->p[i] <= '9'; i++)
		d1++;
	if (d1 == 0)
		return 0;
	if (i < t->len && t->p[i] == ',')
		for (i++; i < t->len && t->p[i] >= '0' && t->p[i] <= '9'; i++)
			d2++;
	if (i < t->len && t->p[i] == '}')
		return i + 1 - t->pos;
	return 0;
}

/* Translate a quantifier after an atom; JavaScript's errors for nothing to
 * repeat. */
static bool
quantifier(translator *t, size_t qlen)
{
	char		buf[64];

	if (t->state == AFTER_NOTHING || t->state == AFTER_ASSERTION ||
		t->state == AFTER_LAZY)
		return t_fail(t, "nothing to repeat");
	if (t->state == AFTER_QUANTIFIER)
	{
		if (qlen == 1 && t->p[t->pos] == '?')
		{
			t->pos++;
			t->state = AFTER_LAZY;
			return emit(t, "?");
		}
		return t_fail(t, "nothing to repeat");
	}
	if (qlen >= sizeof(buf))
		return t_fail(t, "quantifier too large");
	memcpy(buf, t->p + t->pos, qlen);
	buf[qlen] = '\0';
	t->pos += qlen;
	t->state = AFTER_QUANTIFIER;
	return emit(t, buf);
}

/* '(' and what follows it. */
static bool
open_group(translator *t)
{
	const char *rest = t->p + t->pos + 1;
	size_t		left = t->len - t->pos - 1;
	char		kind = 'c';
	size_t		skip = 1;

	if (t->depth >= (int) sizeof(t->stack))
		return t_fail(t, "too many nested groups");
	if (left >= 1 && rest[0] == '?')
	{
		if (left >= 2 && rest[1] == ':')
			skip = 3;
		else if (left >= 2 && (rest[1] == '=' || rest[1] == '!'))
			skip = 3, kind = 'a';
		else if (left >= 3 && rest[1] == '<' && (rest[2] == '=' || rest[2] == '!'))
			skip = 4, kind = 'b';
		else if (left >= 2 && rest[1] == '<')
		{
			/* Named group: "(?<name>" is copied as is. */
			const char *end = memchr(rest, '>', left);

			if (end == NULL)
				return t_fail(t, "invalid capture group name");
			skip = (size_t) (end - rest) + 2;
		}
		else
			return t_fail(t, "invalid group");
	}
	if (!cv_buf_append(&t->out, t->p + t->pos, skip))
		return t_fail(t, "out of memory");
	t->pos += skip;
	t->stack[t->depth++] = kind;
	t->state = AFTER_NOTHING;
	return true;
}

/* Close a group; a closed lookahead or lookbehind is an assertion, not an
 * atom. */
static bool
close_group(translator *t)
{
	if (t->depth == 0)
		return t_fail(t, "unmatched ')'");
	t->pos++;
	t->state = t->stack[--t->depth] == 'b' ? AFTER_ASSERTION : AFTER_ATOM;
	return emit(t, ")");
}

/* \k<name>: a named backreference when the pattern has named groups. */
static bool
named_backreference(translator *t)
{
	const char *end;

	if (!t->named)
		return emit_char(t, (uint32_t) t->p[t->pos++]);
	if (t->pos + 1 >= t->len || t->p[t->pos + 1] != '<' ||
		(end = memchr(t->p + t->pos, '>', t->len - t->pos)) == NULL)
		return t_fail(t, "invalid named reference");
	emit(t, "\\");
	if (!cv_buf_append(&t->out, t->p + t->pos, (size_t) (end - (t->p + t->pos)) + 1))
		return t_fail(t, "out of memory");
	t->pos = (size_t) (end - t->p) + 1;
	return true;
}

/* An escape outside a class (pos after the backslash). */
static bool
atom_escape(translator *t)
{
	char		c = t->p[t->pos];
	uint32_t	cp;

	t->state = AFTER_ATOM;
	if (class_escape_is_set(c))
	{
		t->pos++;
		if (c == 's' || c == 'S')
			return emit(t, "[") && emit(t, set_items(c)) && emit(t, "]");
		return emit(t, set_items(c));
	}
	if (c == 'b' || c == 'B')
	{
		t->state = AFTER_ASSERTION;
		t->pos++;
		return emit(t, c == 'b' ? "\\b" : "\\B");
	}
	if (c >= '1' && c <= '9')
		return decimal_escape(t);
	if (c == '0')
	{
		if (t->pos + 1 < t->len && t->p[t->pos + 1] >= '0' && t->p[t->pos + 1] <= '7')
			return emit_char(t, legacy_octal(t));
		t->pos++;
		return emit_char(t, 0);
	}
	if (c == 'k')
		return named_backreference(t);
	char_escape(t, false, &cp);
	return emit_char(t, cp);
}

/* Translate the next token of the pattern. */
static bool
translate_one(translator *t)
{
	char		c = t->p[t->pos];
	size_t		qlen;

	switch (c)
	{
		case '\\':
			if (++t->pos >= t->len)
				return t_fail(t, "\\ at end of pattern");
			return atom_escape(t);
		case '.':
			t->pos++;
			t->state = AFTER_ATOM;
			return emit(t, JS_DOT);
		case '[':
			t->state = AFTER_ATOM;
			return character_class(t);
		case '(':
			return open_group(t);
		case ')':
			return close_group(t);
		case '|':
			t->pos++;
			t->state = AFTER_NOTHING;
			return emit(t, "|");
		case '^':
		case '$':
			t->pos++;
			t->state = AFTER_ASSERTION;
			return emit(t, c == '^' ? "^" : "$");
		case '*':
		case '+':
		case '?':
			return quantifier(t, 1);
		case '{':
			qlen = brace_quantifier_len(t);
			if (qlen > 0)
				return quantifier(t, qlen);
			break;
	}
	/* A literal (including '{', '}' and ']' that are not syntax). */
	t->state = AFTER_ATOM;
	return emit_char(t, next_cp(t));
}

/* Count capturing groups and see whether any is named. */
static void
count_groups(translator *t)
{
	bool		in_class = false;

	for (size_t i = 0; i < t->len; i++)
	{
		char		c = t->p[i];

		if (c == '\\')
			i++;
		else if (in_class)
			in_class = c != ']';
		else if (c == '[')
		{
			in_class = true;
			if (i + 1 < t->len && t->p[i + 1] == '^')
				i++;
			if (i + 1 < t->len && t->p[i + 1] == ']')
			{
				i++;
				in_class = false;
			}
		}
		else if (c == '(')
		{
			if (i + 1 < t->len && t->p[i + 1] == '?')
			{
				if (i + 3 < t->len && t->p[i + 2] == '<' &&
					t->p[i + 3] != '=' && t->p[i + 3] != '!')
					t->groups++, t->named = true;
			}
			else
				t->groups++;
		}
	}
}

char *
cv_regex_translate(const char *pattern, size_t len, char *errbuf, size_t errlen)
{
	translator	t;

	memset(&t, 0, sizeof(t));
	t.p = pattern;
	t.len = len;
	if (!cv_utf8_valid(pattern, len))
		t_fail(&t, "invalid UTF-8");
	count_groups(&t);
	while (t.error == NULL && t.pos < t.len)
		translate_one(&t);
	if (t.error == NULL && t.depth > 0)
		t_fail(&t, "unterminated group");
	if (t.error == NULL && !cv_buf_append(&t.out, "", 0))
		t_fail(&t, "out of memory");
	if (t.error != NULL)
	{
		snprintf(errbuf, errlen, "%s", t.error);
		cv_buf_free(&t.out);
		return NULL;
	}
	return t.out.data;
}

/* The translated pattern (ASCII: everything else is \x{} escaped) widened. */
static PCRE2_UCHAR *
widen(const char *ascii, size_t *len)
{
	size_t		n = strlen(ascii);
	PCRE2_UCHAR *w = malloc((n + 1) * sizeof(PCRE2_UCHAR));

	if (w == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		w[i] = (unsigned char) ascii[i];
	w[n] = 0;
	*len = n;
	return w;
}

/* PCRE2's message for a compile error code. */
static void
compile_error_message(int errcode, char *errbuf, size_t errlen)
{
	PCRE2_UCHAR msg[120];
	char		ascii[120];
	int			n;

	/* Say it in JavaScript's terms where PCRE2's names an option. */
	if (errcode == PCRE2_ERROR_DUPLICATE_SUBPATTERN_NAME)
	{
		snprintf(errbuf, errlen, "duplicate capture group name");
		return;
	}
	n = pcre2_get_error_message(errcode, msg, sizeof(msg) / sizeof(msg[0]));
	for (int i = 0; i < n && i < (int) sizeof(ascii) - 1; i++)
		ascii[i] = msg[i] < 0x80 ? (char) msg[i] : '?';
	ascii[n > 0 ? (n < (int) sizeof(ascii) ? n : (int) sizeof(ascii) - 1) : 0] = '\0';
	snprintf(errbuf, errlen, "%s", ascii);
}

/* A regex over the limits: accepted, never compiled, every search gives up. */
static cv_regex *
over_limits(char *errbuf, size_t errlen)
{
	cv_regex   *re = calloc(1, sizeof(*re));

	if (re == NULL)
		snprintf(errbuf, errlen, "out of memory");
	return re;
}

cv_regex *
cv_regex_compile(const char *pattern, size_t len, char *errbuf, size_t errlen)
{
	char	   *translated;
	PCRE2_UCHAR *units;
	size_t		nunits;
	cv_regex   *re;
	int			errcode;
	PCRE2_SIZE	erroffset;
	uint32_t	groups;

	if (len > CV_REGEX_MAX_PATTERN_BYTES)
		return over_limits(errbuf, errlen);
	translated = cv_regex_translate(pattern, len, errbuf, errlen);
	if (translated == NULL)
		return NULL;
	units = widen(translated, &nunits);
	free(translated);
	re = units ? calloc(1, sizeof(*re)) : NULL;
	if (re == NULL)
	{
		free(units);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	/* Code units, not UTF: see the top of this file. */
	re->code = pcre2_compile(units, nunits,
							 PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_DOLLAR_ENDONLY |
							 PCRE2_MATCH_UNSET_BACKREF | PCRE2_NEVER_BACKSLASH_C,
							 &errcode, &erroffset, NULL);
	free(units);
	if (re->code == NULL)
	{
		compile_error_message(errcode, errbuf, errlen);
		free(re);
		return NULL;
	}
	if (pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &groups) != 0
		|| groups > CV_REGEX_MAX_GROUPS)
	{
		pcre2_code_free(re->code);
		re->code = NULL;
		return re;
	}
	re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	re->match = pcre2_match_data_create(1, NULL);
	re->mctx = pcre2_match_context_create(NULL);
	if (re->match == NULL || re->mctx == NULL)
	{
		cv_regex_free(re);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	pcre2_set_match_limit(re->mctx, CV_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, CV_REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, CV_REGEX_HEAP_LIMIT_KIB);
	return re;
}

/* re->units = the canonical subject in UTF-16; its length, or -1. */
static long
subject_units(cv_regex *re, const char *subject, size_t len)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n = 0;

	re->subject.len = 0;
	if (!cv_js_append_canonical(&re->subject, subject, len) ||
		re->subject.len > INT32_MAX / 2)
		return -1;
	/* UTF-16 never has more units than UTF-8 has bytes. */
	if (re->units_cap < re->subject.len + 1)
	{
		UChar	   *u = realloc(re->units, (re->subject.len + 1) * sizeof(UChar));

		if (u == NULL)
			return -1;
		re->units = u;
		re->units_cap = re->subject.len + 1;
	}
	u_strFromUTF8(re->units, (int32_t) re->units_cap, &n, re->subject.data,
				  (int32_t) re->subject.len, &status);
	return U_FAILURE(status) ? -1 : n;
}

int
cv_regex_search(cv_regex *re, const char *subject, size_t len)
{
	long		n;
	PCRE2_SPTR	s;
	int			rc;

	if (re->code == NULL)
		return -1;
	n = subject_units(re, subject, len);
	s = (PCRE2_SPTR) re->units;
	if (n < 0)
		return -1;
	rc = pcre2_match(re->code, s, (PCRE2_SIZE) n, 0, 0, re->match, re->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(re->code, s, (PCRE2_SIZE) n, 0, PCRE2_NO_JIT,
						 re->match, re->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

void
cv_regex_free(cv_regex *re)
{
	if (re == NULL)
		return;
	pcre2_match_context_free(re->mctx);
	pcre2_match_data_free(re->match);
	pcre2_code_free(re->code);
	cv_buf_free(&re->subject);
	free(re->units);
	free(re);
}
