/* fansched.c - pure fan profiles (quiet, balanced, full...) and the local time-of-day schedule. */
#include "supervisor/policy/fansched.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hw/clock.h"
#include "supervisor/util/parse.h"

#define DAY_MIN 1440

static void profile_init(struct fansched_profile *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->cap = 100.0;
	p->floor = 0.0;
	p->scale = 1.0;
	p->offset = 0.0;
	p->override_temp = 75.0;
}

void fansched_defaults(struct fansched *s)
{
	struct fansched_profile *p;

	memset(s, 0, sizeof(*s));
	p = &s->profiles[s->nprofiles++];
	profile_init(p, "quiet");
	p->cap = 40.0;
	p->override_temp = 65.0;
	p->builtin = true;
	p = &s->profiles[s->nprofiles++];
	profile_init(p, "balanced");
	p->builtin = true;
	p = &s->profiles[s->nprofiles++];
	profile_init(p, "full");
	p->floor = 100.0;
	p->builtin = true;
	snprintf(s->default_profile, sizeof(s->default_profile), "balanced");
}

int fansched_profile_find(const struct fansched *s, const char *name)
{
	for (int i = 0; i < s->nprofiles; i++)
		if (strcmp(s->profiles[i].name, name) == 0)
			return i;
	return -ENOENT;
}

struct fansched_profile *fansched_profile_get(struct fansched *s, const char *name)
{
	int i = fansched_profile_find(s, name);
	struct fansched_profile *p;

	if (i >= 0) {
		p = &s->profiles[i];
		if (p->builtin) {
			/* the file's section starts from its own keys over the built-in values */
			p->builtin = false;
		}
		return p;
	}
	if (s->nprofiles == FANSCHED_PROFILES_MAX || strlen(name) >= FANSCHED_NAME_MAX)
		return NULL;
	p = &s->profiles[s->nprofiles++];
	profile_init(p, name);
	return p;
}

int fansched_entry_add(struct fansched *s, const char *profile, const char *ranges, int line,
		       char *err, size_t errlen)
{
	const char *p = ranges;
	char sub[64];

	if (!ranges || !*ranges)
		return parse_error(-EINVAL, err, errlen, "expected HH:MM-HH:MM");
	if (strlen(profile) >= FANSCHED_NAME_MAX)
		return parse_error(-EINVAL, err, errlen, "profile name '%s' is too long", profile);
	for (;;) {
		size_t len = strcspn(p, ",");
		struct fansched_entry *e;
		char *dash;
		int r;

		if (len >= sizeof(sub))
			return parse_error(-EINVAL, err, errlen, "range '%.20s...' is too long", p);
		memcpy(sub, p, len);
		sub[len] = '\0';
		dash = strchr(sub, '-');
		if (!dash)
			return parse_error(-EINVAL, err, errlen, "expected HH:MM-HH:MM, got '%s'", sub);
		*dash = '\0';
		if (s->nentries == FANSCHED_ENTRIES_MAX)
			return parse_error(-ENOSPC, err, errlen, "more than %d schedule ranges",
				    FANSCHED_ENTRIES_MAX);
		e = &s->entries[s->nentries];
		r = parse_time_of_day(sub, &e->start_min, err, errlen);
		if (r == 0)
			r = parse_time_of_day(dash + 1, &e->end_min, err, errlen);
		if (r < 0)
			return r;
		if (e->start_min == e->end_min)
			return parse_error(-EINVAL, err, errlen, "empty range %s-%s (start equals end)",
				    sub, dash + 1);
		snprintf(e->profile, sizeof(e->profile), "%s", profile);
		e->line = line;
		s->nentries++;
		p += len;
		if (!*p)
			break;
		p++;
	}
	return 0;
}

static bool entry_covers(const struct fansched_entry *e, int m)
{
	if (e->start_min < e->end_min)
		return m >= e->start_min && m < e->end_min;
	return m >= e->start_min || m < e->end_min;
}

static bool entries_overlap(const struct fansched_entry *a, const struct fansched_entry *b)
{
	/* two ranges on a circle meet iff one contains the other's start */
	return entry_covers(a, b->start_min) || entry_covers(b, a->start_min);
}

static void fmt_range(const struct fansched_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "%02d:%02d-%02d:%02d", e->start_min / 60, e->start_min % 60,
		 e->end_min / 60, e->end_min % 60);
}

int fansched_validate(const struct fansched *s, int *line, char *err, size_t errlen)
{
	char ra[32], rb[32];

	for (int i = 0; i < s->nprofiles; i++) {
		const struct fansched_profile *p = &s->profiles[i];

		if (p->cap < p->floor) {
			*line = p->line;
			return parse_error(-EINVAL, err, errlen,
				    "fan profile '%s': cap %g%% is below floor %g%%", p->name,
				    p->cap, p->floor);
		}
	}
	if (fansched_profile_find(s, s->default_profile) < 0) {
		*line = s->default_line;
		return parse_error(-EINVAL, err, errlen, "unknown fan profile '%s' as schedule default",
			    s->default_profile);
	}
	for (int i = 0; i < s->nentries; i++) {
		const struct fansched_entry *e = &s->entries[i];

		if (fansched_profile_find(s, e->profile) < 0) {
			*line = e->line;
			return parse_error(-EINVAL, err, errlen,
				    "unknown fan profile '%s' in the schedule (known: quiet, "
				    "balanced, full or a [fanprofile NAME] section)", e->profile);
		}
		for (int j = 0; j < i; j++) {
			if (!entries_overlap(&s->entries[j], e))
				continue;
			fmt_range(e, ra, sizeof(ra));
			fmt_range(&s->entries[j], rb, sizeof(rb));
			*line = e->line;
			return parse_error(-EINVAL, err, errlen,
				    "schedule range %s (%s) overlaps %s (%s, line %d)", ra,
				    e->profile, rb, s->entries[j].profile, s->entries[j].line);
		}
	}
	return 0;
}

static int local_tm(int64_t wall_ns, struct tm *tm)
{
	time_t t = (time_t)(wall_ns / HW_NSEC_PER_SEC);

	if (wall_ns < 0 || !localtime_r(&t, tm))
		return -EINVAL;
	return 0;
}

int fansched_local_minute(int64_t wall_ns, int *minute)
{
	struct tm tm;

	if (local_tm(wall_ns, &tm) < 0)
		return -EINVAL;
	*minute = tm.tm_hour * 60 + tm.tm_min;
	return 0;
}

int fansched_entry_at(const struct fansched *s, int64_t wall_ns)
{
	int m;

	if (fansched_local_minute(wall_ns, &m) < 0)
		return -1;
	for (int i = 0; i < s->nentries; i++)
		if (entry_covers(&s->entries[i], m))
			return i;
	return -1;
}

int fansched_active(const struct fansched *s, int64_t wall_ns)
{
	int e = fansched_entry_at(s, wall_ns);
	int i = fansched_profile_find(s, e >= 0 ? s->entries[e].profile : s->default_profile);

	return i >= 0 ? i : 0;
}

int64_t fansched_next_local(int64_t wall_ns, int minute)
{
	struct tm now, tm;
	time_t t;

	if (minute < 0 || minute >= DAY_MIN || local_tm(wall_ns, &now) < 0)
		return -1;
	for (int day = 0; day < 3; day++) {
		tm = now;
		tm.tm_mday += day;
		tm.tm_hour = minute / 60;
		tm.tm_min = minute % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1; /* let mktime pick summer or winter time for that date */
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -1;
		if ((int64_t)t * HW_NSEC_PER_SEC > wall_ns)
			return (int64_t)t * HW_NSEC_PER_SEC;
	}
	return -1;
}
