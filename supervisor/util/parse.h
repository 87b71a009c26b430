/* parse.h - bounded parsers for profile values: numbers, durations, sizes, percents, times. */
#ifndef H2BOX_PARSE_H
#define H2BOX_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every parser accepts the whole string or nothing (no trailing garbage,
 * surrounding blanks allowed), returns 0 or -EINVAL/-ERANGE, and on error
 * writes a short human message into err (may be NULL).
 */
/* Write a message into err (may be NULL) and return r: the shared tail of every parser. */
int parse_error(int r, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int parse_bool(const char *s, bool *out, char *err, size_t errlen);
int parse_double(const char *s, double min, double max, double *out, char *err, size_t errlen);
int parse_int(const char *s, long min, long max, long *out, char *err, size_t errlen);
/* "250ms", "2s", "1.5s", "5m", "1h", "300us"; a bare number is seconds. */
int parse_duration_ns(const char *s, int64_t min_ns, int64_t max_ns, int64_t *out, char *err,
		      size_t errlen);
/* "512k", "64M", "1G" (binary units, an optional B), a bare number is bytes -> [min, max]. */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen);
/* "35%" or "35" -> 35.0 within [min, max]. */
int parse_percent(const char *s, double min, double max, double *out, char *err, size_t errlen);
/* "22:30" -> minutes since midnight (0..1439). */
int parse_time_of_day(const char *s, int *minutes, char *err, size_t errlen);
/* "0x40", "64" -> value in [min, max]. */
int parse_uint_any_base(const char *s, unsigned long min, unsigned long max, unsigned long *out,
			char *err, size_t errlen);
/* Copy a string value into a fixed buffer; -ERANGE if it does not fit or is empty. */
int parse_string(const char *s, char *dst, size_t dstlen, char *err, size_t errlen);
/*
 * Split a command line into words in place, for posix_spawn (no shell): blanks separate words,
 * '...' or "..." quote blanks, nothing else is special ($, ;, |, *, backslash are literal).
 * argv gets the words and a NULL; returns the word count, -EINVAL for an unbalanced quote,
 * -E2BIG when more than max - 1 words.
 */
int parse_argv_split(char *s, char **argv, int max);
/* Formats a duration for messages: "500ms", "6s", "1m30s". */
const char *parse_format_duration(int64_t ns, char *buf, size_t len);
/* Formats a reading for text output with decimals places; unknown (NAN, inf) as the word unknown
 * ("-", "--", "null"), never as a number.  Returns buf. */
const char *parse_format_number(char *buf, size_t len, int decimals, double v, const char *unknown);

#endif
