/* timefmt.c - wall-clock timestamps: ISO 8601 UTC (JSON, streams, logs) and local time for texts. */
#include "supervisor/util/timefmt.h"

#include "hw/clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

int timefmt_iso(int64_t real_ns, bool ms, char *buf, size_t len)
{
	/* floor division: a time before the epoch is the second before, plus its milliseconds */
	int64_t ns = (real_ns % HW_NSEC_PER_SEC + HW_NSEC_PER_SEC) % HW_NSEC_PER_SEC;
	time_t t = (time_t)((real_ns - ns) / HW_NSEC_PER_SEC);
	struct tm tm;
	char base[32];

	if (!gmtime_r(&t, &tm) || !strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "-");
		return -EINVAL;
	}
	if (ms)
		snprintf(buf, len, "%s.%03dZ", base, (int)(ns / HW_NSEC_PER_MSEC));
	else
		snprintf(buf, len, "%sZ", base);
	return 0;
}

int timefmt_local(int64_t real_ns, const char *fmt, char *buf, size_t len)
{
	time_t t = (time_t)(real_ns / HW_NSEC_PER_SEC);
	struct tm tm;

	size_t n = 0;

	/* fmt is checked at every call site (the prototype's format(strftime) attribute) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (real_ns > 0 && localtime_r(&t, &tm))
		n = strftime(buf, len, fmt, &tm);
#pragma GCC diagnostic pop
	if (!n) {
		snprintf(buf, len, "?");
		return -EINVAL;
	}
	return 0;
}
