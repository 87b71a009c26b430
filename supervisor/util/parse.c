/* parse.c - bounded parsers for profile values: numbers, durations, sizes, percents, times. */
#include "supervisor/util/parse.h"

#include "hw/clock.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_error(int r, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Trim into a bounded local copy so parsers never read past the value. */
static int parse_trimmed(const char *s, char *buf, size_t len)
{
	size_t n;

	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*s))
		s++;
	n = strnlen(s, len);
	if (n >= len)
		return -ERANGE;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return n ? 0 : -EINVAL;
}

int parse_bool(const char *s, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	char b[16];

	if (parse_trimmed(s, b, sizeof(b)) == 0) {
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcasecmp(b, yes[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcasecmp(b, no[i]) == 0) {
				*out = false;
				return 0;
			}
		}
	}
	return parse_error(-EINVAL, err, errlen, "expected yes/no, true/false, on/off or 1/0, got '%s'",
		    s ? s : "");
}

int parse_double(const char *s, double min, double max, double *out, char *err, size_t errlen)
{
	char b[64], *end;
	double v;

	if (parse_trimmed(s, b, sizeof(b)) < 0)
		return parse_error(-EINVAL, err, errlen, "expected a number, got '%s'", s ? s : "");
	errno = 0;
	v = strtod(b, &end);
	if (*end || errno || !isfinite(v))
		return parse_error(-EINVAL, err, errlen, "expected a number, got '%s'", b);
	if (v < min || v > max)
		return parse_error(-ERANGE, err, errlen, "%s is out of range [%g, %g]", b, min, max);
	*out = v;
	return 0;
}

int parse_int(const char *s, long min, long max, long *out, char *err, size_t errlen)
{
	char b[64], *end;
	long v;

	if (parse_trimmed(s, b, sizeof(b)) < 0)
		return parse_error(-EINVAL, err, errlen, "expected an integer, got '%s'", s ? s : "");
	errno = 0;
	v = strtol(b, &end, 10);
	if (*end || errno)
		return parse_error(-EINVAL, err, errlen, "expected an integer, got '%s'", b);
	if (v < min || v > max)
		return parse_error(-ERANGE, err, errlen, "%s is out of range [%ld, %ld]", b, min, max);
	*out = v;
	return 0;
}

int parse_uint_any_base(const char *s, unsigned long min, unsigned long max, unsigned long *out,
			char *err, size_t errlen)
{
	char b[64], *end;
	unsigned long v;

	if (parse_trimmed(s, b, sizeof(b)) < 0 || b[0] == '-')
		return parse_error(-EINVAL, err, errlen, "expected an unsigned integer, got '%s'",
			    s ? s : "");
	errno = 0;
	v = strtoul(b, &end, 0);
	if (*end || errno)
		return parse_error(-EINVAL, err, errlen, "expected an unsigned integer, got '%s'", b);
	if (v < min || v > max)
		return parse_error(-ERANGE, err, errlen, "%s is out of range [%#lx, %#lx]", b, min, max);
	*out = v;
	return 0;
}

int parse_duration_ns(const char *s, int64_t min_ns, int64_t max_ns, int64_t *out, char *err,
		      size_t errlen)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{ "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
		{ "", 1e9 },
	};
	char b[64], *end;
	double v, ns;
	char mb[32], xb[32];

	if (parse_trimmed(s, b, sizeof(b)) < 0)
		return parse_error(-EINVAL, err, errlen, "expected a duration such as 500ms or 2s, got '%s'",
			    s ? s : "");
	errno = 0;
	v = strtod(b, &end);
	if (end == b || errno || !isfinite(v) || v < 0)
		return parse_error(-EINVAL, err, errlen, "expected a duration such as 500ms or 2s, got '%s'",
			    b);
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		ns = v * units[i].scale;
		if (ns < (double)min_ns || ns > (double)max_ns)
			return parse_error(-ERANGE, err, errlen, "duration %s is out of range [%s, %s]", b,
				    parse_format_duration(min_ns, mb, sizeof(mb)),
				    parse_format_duration(max_ns, xb, sizeof(xb)));
		/* ns >= 0: + 0.5 rounds like llround() without libm (h2box links libc alone) */
		*out = (int64_t)(ns + 0.5);
		return 0;
	}
	return parse_error(-EINVAL, err, errlen, "unknown duration unit in '%s' (use us, ms, s, m or h)", b);
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0))
		return parse_error(-EINVAL, err, errlen, "\"%s\" is not a size", s);
	switch (*end) {
	case 'k':
	case 'K':
		v *= 1024;
		end++;
		break;
	case 'm':
	case 'M':
		v *= 1024 * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		v *= 1024.0 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	while (*end == ' ')
		end++;
	if (*end)
		return parse_error(-EINVAL, err, errlen, "\"%s\" is not a size", s);
	if (v < (double)min || v > (double)max)
		return parse_error(-ERANGE, err, errlen, "size out of range %" PRIu64 "..%" PRIu64,
				   min, max);
	*out = (uint64_t)v;
	return 0;
}

int parse_percent(const char *s, double min, double max, double *out, char *err, size_t errlen)
{
	char b[64];
	size_t n;

	if (parse_trimmed(s, b, sizeof(b)) < 0)
		return parse_error(-EINVAL, err, errlen, "expected a percentage, got '%s'", s ? s : "");
	n = strlen(b);
	if (b[n - 1] == '%')
		b[n - 1] = '\0';
	return parse_double(b, min, max, out, err, errlen);
}

int parse_time_of_day(const char *s, int *minutes, char *err, size_t errlen)
{
	char b[16];
	int h, m, n = 0;

	if (parse_trimmed(s, b, sizeof(b)) < 0 || sscanf(b, "%2d:%2d%n", &h, &m, &n) != 2 ||
	    (size_t)n != strlen(b) || h < 0 || h > 23 || m < 0 || m > 59)
		return parse_error(-EINVAL, err, errlen, "expected a time of day HH:MM, got '%s'",
			    s ? s : "");
	*minutes = h * 60 + m;
	return 0;
}

int parse_string(const char *s, char *dst, size_t dstlen, char *err, size_t errlen)
{
	size_t n;

	if (!s || !*s)
		return parse_error(-EINVAL, err, errlen, "empty value");
	n = strlen(s);
	if (n >= dstlen)
		return parse_error(-ERANGE, err, errlen, "value is longer than %zu characters",
			    dstlen - 1);
	memcpy(dst, s, n + 1);
	return 0;
}

int parse_argv_split(char *s, char **argv, int max)
{
	int n = 0;
	char *w = s, *out;

	while (*w) {
		char q = 0;

		while (*w == ' ' || *w == '\t')
			w++;
		if (!*w)
			break;
		if (n >= max - 1)
			return -E2BIG;
		argv[n++] = out = w;
		while (*w && (q || (*w != ' ' && *w != '\t'))) {
			if (!q && (*w == '"' || *w == '\'')) {
				q = *w++;
				continue;
			}
			if (q && *w == q) {
				q = 0;
				w++;
				continue;
			}
			*out++ = *w++;
		}
		if (q)
			return -EINVAL;
		if (*w)
			w++;
		*out = '\0';
	}
	argv[n] = NULL;
	return n;
}

const char *parse_format_number(char *buf, size_t len, int decimals, double v, const char *unknown)
{
	if (isfinite(v))
		snprintf(buf, len, "%.*f", decimals, v);
	else
		snprintf(buf, len, "%s", unknown);
	return buf;
}

const char *parse_format_duration(int64_t ns, char *buf, size_t len)
{
	if (ns % HW_NSEC_PER_SEC != 0 && ns < 10 * HW_NSEC_PER_SEC)
		snprintf(buf, len, "%lldms", (long long)(ns / 1000000));
	else if (ns < 120 * HW_NSEC_PER_SEC || ns % (60 * HW_NSEC_PER_SEC))
		snprintf(buf, len, "%gs", (double)ns / 1e9);
	else
		snprintf(buf, len, "%lldm", (long long)(ns / (60 * HW_NSEC_PER_SEC)));
	return buf;
}
