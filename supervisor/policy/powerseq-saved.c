/* powerseq-saved.c - the power state file's text: requested state and latched fault, both ways. */
#include "supervisor/policy/powerseq-saved.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/clock.h"
#include "supervisor/util/statefile.h"

int powerseq_saved_format(const struct powerseq_saved *sv, char *buf, size_t len)
{
	size_t n = 0;
	int w;

	if (!buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	if (sv->requested != POWERSEQ_REQUESTED_UNKNOWN) {
		w = snprintf(buf, len, "requested=%s\n", powerseq_requested_name(sv->requested));
		if (w < 0 || (size_t)w >= len)
			return -ENOSPC;
		n = (size_t)w;
	}
	if (sv->fault != POWERSEQ_FAULT_NONE) {
		w = snprintf(buf + n, len - n, "fault=%s\n", powerseq_fault_name(sv->fault));
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
		if (sv->fault_at_known) {
			w = snprintf(buf + n, len - n, "fault_at=%lld\n",
				     (long long)sv->fault_at_s);
			if (w < 0 || (size_t)w >= len - n)
				return -ENOSPC;
			n += (size_t)w;
		}
	}
	return (int)n;
}

/* Copy a value for the log: bounded, anything but printable ASCII shown as '?'. */
static void powerseq_saved_copy_printable(char *dst, size_t len, const char *src)
{
	size_t i;

	if (!dst || len == 0)
		return;
	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] >= ' ' && src[i] <= '~' ? src[i] : '?';
	dst[i] = '\0';
}

/* Seconds since the epoch: digits only, no sign, no blanks, small enough to be nanoseconds. */
static int powerseq_saved_unix_seconds(const char *s, int64_t *out)
{
	long long v;
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v > INT64_MAX / HW_NSEC_PER_SEC)
		return -EINVAL;
	*out = v;
	return 0;
}

unsigned powerseq_saved_parse(const char *text, struct powerseq_saved *sv, char *bad_name,
			      size_t bad_len)
{
	char val[POWERSEQ_SAVED_NAME_MAX];
	unsigned bad = 0;
	int r;

	memset(sv, 0, sizeof(*sv));
	if (bad_name && bad_len)
		bad_name[0] = '\0';
	if (!text)
		return POWERSEQ_SAVED_BAD_REQUESTED;
	if (statefile_get(text, "requested", val, sizeof(val)) < 0 ||
	    powerseq_requested_parse(val, &sv->requested) < 0) {
		sv->requested = POWERSEQ_REQUESTED_UNKNOWN;
		bad |= POWERSEQ_SAVED_BAD_REQUESTED;
	}
	r = statefile_get(text, "fault", val, sizeof(val));
	if (r == -ENOENT || (r == 0 && strcmp(val, "none") == 0))
		return bad; /* an older file, or no fault: nothing latched */
	/*
	 * A fault line that does not parse still says a fault was latched: losing it would
	 * power the box back into whatever it was.  It latches as "unknown" until cleared.
	 */
	if (r < 0 || powerseq_fault_parse(val, &sv->fault) < 0) {
		sv->fault = POWERSEQ_FAULT_UNKNOWN;
		bad |= POWERSEQ_SAVED_BAD_FAULT;
		powerseq_saved_copy_printable(bad_name, bad_len, r < 0 ? "(too long)" : val);
	}
	if (statefile_get(text, "fault_at", val, sizeof(val)) == 0 &&
	    powerseq_saved_unix_seconds(val, &sv->fault_at_s) == 0)
		sv->fault_at_known = true;
	else
		bad |= POWERSEQ_SAVED_BAD_FAULT_AT;
	return bad;
}
