/* fansched.h - pure fan profiles (quiet, balanced, full...) and the local time-of-day schedule. */
#ifndef H2BOX_FANSCHED_H
#define H2BOX_FANSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FANSCHED_PROFILES_MAX 8
#define FANSCHED_ENTRIES_MAX 16
#define FANSCHED_NAME_MAX 32

/*
 * A fan profile shapes the curves' demand: a running demand d becomes
 * clamp(d * scale + offset, floor, cap); a stopped fan (d = 0) stays stopped
 * unless floor > 0.  At or above override_temp on any input the cap is lifted
 * (safety beats silence).  Built in, unless the profile redefines them:
 *   quiet     cap 40 %, override_temp 65 C
 *   balanced  cap 100 %, override_temp 75 C
 *   full      floor 100 %
 */
struct fansched_profile {
	char name[FANSCHED_NAME_MAX];
	double cap;           /* %, default 100 */
	double floor;         /* %, default 0 */
	double scale;         /* default 1 */
	double offset;        /* %, default 0 */
	double override_temp; /* C; NAN = the cap is never lifted by temperature */
	bool builtin;
	int line;
};

/* One "NAME = HH:MM-HH:MM" range in local time, end exclusive, may wrap midnight. */
struct fansched_entry {
	char profile[FANSCHED_NAME_MAX];
	int start_min, end_min; /* minutes since local midnight */
	int line;
};

struct fansched {
	struct fansched_profile profiles[FANSCHED_PROFILES_MAX];
	int nprofiles;
	struct fansched_entry entries[FANSCHED_ENTRIES_MAX];
	int nentries;
	char default_profile[FANSCHED_NAME_MAX]; /* outside every range, default "balanced" */
	int default_line;
};

/* Built-in profiles, no schedule entries, default "balanced". */
void fansched_defaults(struct fansched *s);
/* Index of the profile called name, or -ENOENT. */
int fansched_profile_find(const struct fansched *s, const char *name);
/*
 * The profile called name, created from neutral defaults (cap 100, override
 * 75 C) when missing; a built-in one keeps its values for the keys the file
 * does not set.  NULL when the table is full or the name too long.
 */
struct fansched_profile *fansched_profile_get(struct fansched *s, const char *name);
/* "22:30-07:00" or several separated by commas.  0 or -EINVAL/-ENOSPC with a message. */
int fansched_entry_add(struct fansched *s, const char *profile, const char *ranges, int line,
		       char *err, size_t errlen);
/* Unknown profiles, overlapping ranges, cap below floor; *line = the offending line. */
int fansched_validate(const struct fansched *s, int *line, char *err, size_t errlen);

/*
 * Local minute of the day for a wall clock in ns since the epoch, through
 * localtime_r() and the process's TZ, so midnight and DST are the C
 * library's business.  0 or -EINVAL.
 */
int fansched_local_minute(int64_t wall_ns, int *minute);
/* Index of the schedule entry covering wall_ns, or -1 (the default profile applies). */
int fansched_entry_at(const struct fansched *s, int64_t wall_ns);
/* Index of the profile that the schedule selects at wall_ns (validated schedules only). */
int fansched_active(const struct fansched *s, int64_t wall_ns);
/*
 * The first wall time strictly after wall_ns at which the local clock reads
 * minute (0..1439), through mktime() with tm_isdst = -1, so the UTC offset
 * of that day applies; a time skipped by spring-forward resolves as mktime()
 * normalises it (an hour later).  Returns -1 on error.
 */
int64_t fansched_next_local(int64_t wall_ns, int minute);

#endif
