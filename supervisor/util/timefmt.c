/* timefmt.c - ISO 8601 UTC timestamps for JSON, the watts stream, alarms and the CSV log. */
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
