/* profile.c - a box profile: INI file (inih) -> validated configuration of every service. */
#include "supervisor/profile.h"

#include "supervisor/parse.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Lines longer than this are an error, never silently cut (inih's own buffer is 200). */
#define PROFILE_LINE_MAX 199
#define PROFILE_FILE_MAX (256 * 1024)

struct profile_parse {
	const char *name;
	struct profile *p;
	struct profile_errors *errs;
	/* the reader */
	const char *text;
	size_t pos, len;
	int line;
	/* lines of [daemon]/[sim] keys for cross-checks */
	int line_backend;
	int line_sim_build;
};

static void profile_error(struct profile_parse *pp, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void profile_error(struct profile_parse *pp, int line, const char *fmt, ...)
{
	struct profile_errors *e = pp->errs;
	char msg[256];
	va_list ap;

	if (e->count >= PROFILE_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(e->msg[e->count++], sizeof(e->msg[0]), "%s:%d: %s", pp->name, line, msg);
	else
		snprintf(e->msg[e->count++], sizeof(e->msg[0]), "%s: %s", pp->name, msg);
}

/* Sections are checked where their header stands, so even an empty unknown one is reported. */
static void profile_section_seen(struct profile_parse *pp, const char *line)
{
	const char *p = line, *end;
	char name[96];

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '[')
		return;
	end = strchr(p, ']');
	if (!end || (size_t)(end - p - 1) >= sizeof(name))
		return; /* inih reports the syntax error */
	memcpy(name, p + 1, (size_t)(end - p - 1));
	name[end - p - 1] = '\0';
	if (strcmp(name, "daemon") != 0 && strcmp(name, "sim") != 0 &&
	    !profile_sections_known(name))
		profile_error(pp, pp->line, "unknown section [%s]", name);
}

/* inih reader over a memory buffer that counts lines, so every message can say file:line. */
static char *profile_reader(char *str, int num, void *stream)
{
	struct profile_parse *pp = stream;
	size_t n = 0, max = (size_t)num - 1;
	bool too_long = false;

	if (pp->pos >= pp->len)
		return NULL;
	pp->line++;
	while (pp->pos < pp->len) {
		char ch = pp->text[pp->pos++];

		if (n < max && n < PROFILE_LINE_MAX)
			str[n++] = ch;
		else if (ch != '\n')
			too_long = true;
		if (ch == '\n')
			break;
	}
	str[n] = '\0';
	profile_section_seen(pp, str);
	if (too_long) {
		profile_error(pp, pp->line, "line longer than %d characters", PROFILE_LINE_MAX);
		snprintf(str, (size_t)num, ";\n"); /* reported; do not let a cut line mean something */
	}
	return str;
}

static int profile_daemon_set(struct profile_parse *pp, const char *key, const char *value,
			      char *err, size_t errlen)
{
	struct daemon_config *d = &pp->p->daemon;

	if (strcmp(key, "backend") == 0) {
		pp->line_backend = pp->line;
		if (strcmp(value, "sim") == 0)
			d->sim = true;
		else if (strcmp(value, "linux") == 0)
			d->sim = false;
		else {
			snprintf(err, errlen, "backend must be 'sim' or 'linux', got '%s'", value);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "socket") == 0) {
		if (value[0] != '/') {
			snprintf(err, errlen, "socket must be an absolute path");
			return -EINVAL;
		}
		return parse_string(value, d->socket, sizeof(d->socket), err, errlen);
	}
	if (strcmp(key, "state_dir") == 0)
		return parse_string(value, d->state_dir, sizeof(d->state_dir), err, errlen);
	if (strcmp(key, "name") == 0)
		return parse_string(value, d->name, sizeof(d->name), err, errlen);
	if (strcmp(key, "status_period") == 0)
		return parse_duration_ns(value, 100000000, 3600 * INT64_C(1000000000),
					 &d->status_period_ns, err, errlen);
	return -ENOENT;
}

static int profile_sim_set(struct profile_parse *pp, const char *key, const char *value,
			   char *err, size_t errlen)
{
	struct sim_plant_config *c = &pp->p->sim.plant;
	const int64_t s = INT64_C(1000000000);

	if (strcmp(key, "build") == 0) {
		enum sim_build b;

		pp->line_sim_build = pp->line;
		double amb = c->ambient_c, speed = c->speed;
		bool running = c->host_running;

		if (strcmp(value, "sfx") == 0)
			b = SIM_BUILD_SFX;
		else if (strcmp(value, "brick") == 0)
			b = SIM_BUILD_BRICK;
		else {
			snprintf(err, errlen, "build must be 'sfx' or 'brick', got '%s'", value);
			return -EINVAL;
		}
		/* the build picks its own electrical defaults; keep what was already set */
		sim_plant_config_defaults(c, b);
		c->ambient_c = amb;
		c->speed = speed;
		c->host_running = running;
		return 0;
	}
	if (strcmp(key, "speed") == 0)
		return parse_double(value, 0, 10000, &c->speed, err, errlen);
	if (strcmp(key, "ambient") == 0)
		return parse_double(value, -20, 60, &c->ambient_c, err, errlen);
	if (strcmp(key, "seed") == 0) {
		unsigned long v;
		int r = parse_uint_any_base(value, 0, ~0UL, &v, err, errlen);

		c->seed = v;
		return r;
	}
	if (strcmp(key, "psu_ok_delay") == 0)
		return parse_duration_ns(value, s / 1000, 10 * s, &c->psu_ok_delay_ns, err, errlen);
	if (strcmp(key, "host_boot") == 0)
		return parse_duration_ns(value, s / 10, 3600 * s, &c->host_boot_ns, err, errlen);
	if (strcmp(key, "host_shutdown") == 0)
		return parse_duration_ns(value, s / 10, 3600 * s, &c->host_shutdown_ns, err, errlen);
	if (strcmp(key, "link_up") == 0)
		return parse_duration_ns(value, 0, 3600 * s, &c->link_up_ns, err, errlen);
	if (strcmp(key, "host_starts_on_power") == 0)
		return parse_bool(value, &c->host_starts_on_power, err, errlen);
	if (strcmp(key, "host_running") == 0)
		return parse_bool(value, &c->host_running, err, errlen);
	if (strcmp(key, "workload") == 0) {
		if (!sim_plant_workload_describe(value)) {
			snprintf(err, errlen, "unknown workload '%s' (see h2box sim workload --list)",
				 value);
			return -EINVAL;
		}
		return parse_string(value, pp->p->sim.workload, sizeof(pp->p->sim.workload), err,
				    errlen);
	}
	return -ENOENT;
}

static int profile_handler(void *user, const char *section, const char *key, const char *value)
{
	struct profile_parse *pp = user;
	char err[256] = "";
	int r;

	if (!key) /* a section header with no keys yet */
		return 1;
	if (strcmp(section, "daemon") == 0)
		r = profile_daemon_set(pp, key, value, err, sizeof(err));
	else if (strcmp(section, "sim") == 0)
		r = profile_sim_set(pp, key, value, err, sizeof(err));
	else
		r = profile_sections_set(pp->p, section, key, value, pp->line, err, sizeof(err));
	if (r == -ENOENT && !err[0]) {
		/* keys of an unknown section were reported with its header */
		if (strcmp(section, "daemon") == 0 || strcmp(section, "sim") == 0 ||
		    profile_sections_known(section))
			profile_error(pp, pp->line, "unknown key '%s' in [%s]", key, section);
	} else if (r < 0) {
		profile_error(pp, pp->line, "%s: %s", key, err[0] ? err : "invalid value");
	}
	return 1; /* keep going: report every error in one pass */
}

void profile_defaults(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->daemon.sim = false;
	snprintf(p->daemon.state_dir, sizeof(p->daemon.state_dir), "/var/lib/h2box");
	snprintf(p->daemon.name, sizeof(p->daemon.name), "h2box");
	p->daemon.status_period_ns = INT64_C(1000000000);
	sim_plant_config_defaults(&p->sim.plant, SIM_BUILD_SFX);
	snprintf(p->sim.workload, sizeof(p->sim.workload), "idle");
	profile_sections_defaults(p);
}

static int profile_parse_text(struct profile_parse *pp)
{
	int r, line = 0;
	char err[256] = "";

	r = ini_parse_stream(profile_reader, pp, profile_handler, pp);
	if (r > 0)
		profile_error(pp, r, "syntax error (expected [section], key = value or ; comment)");
	else if (r < 0)
		profile_error(pp, 0, "cannot parse: out of memory");
	if (pp->errs->count == 0 && profile_sections_validate(pp->p, &line, err, sizeof(err)) < 0)
		profile_error(pp, line, "%s", err);
	/*
	 * The simulated brick build feeds the H2 from its own brick: a controller
	 * that believes the PSU feeds it would "cut" the box and leave the H2 on.
	 */
	if (pp->errs->count == 0 && pp->p->sim.plant.host_on_own_supply &&
	    pp->p->power.topology == POWER_TOPOLOGY_CONTROLLER &&
	    pp->p->power.host_supply != POWER_HOST_SUPPLY_OWN)
		profile_error(pp, pp->line_sim_build,
			      "build = brick feeds the H2 from its own brick: a controller profile"
			      " needs [power] host_supply = own");
	/* self: the sequencer does not act on it, but the status must name the true supply */
	else if (pp->errs->count == 0 && pp->p->sim.plant.host_on_own_supply &&
		 pp->p->power.host_supply != POWER_HOST_SUPPLY_OWN)
		profile_error(pp, pp->line_sim_build,
			      "build = brick feeds the H2 from its own brick: set [power] "
			      "host_supply = own (the status names the H2's supply)");
	return pp->errs->count ? -EINVAL : 0;
}

int profile_load_string(const char *name, const char *text, struct profile *p,
			struct profile_errors *errs)
{
	struct profile_parse pp = { .name = name, .p = p, .errs = errs, .text = text,
				    .len = strlen(text) };

	memset(errs, 0, sizeof(*errs));
	profile_defaults(p);
	snprintf(p->path, sizeof(p->path), "%s", name);
	return profile_parse_text(&pp);
}

int profile_load_file(const char *path, struct profile *p, struct profile_errors *errs)
{
	FILE *f;
	char *text;
	size_t n;
	int r;

	memset(errs, 0, sizeof(*errs));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	text = malloc(PROFILE_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(text, 1, PROFILE_FILE_MAX + 1, f);
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r == 0 && n > PROFILE_FILE_MAX) {
		snprintf(errs->msg[0], sizeof(errs->msg[0]), "%s: larger than %d bytes", path,
			 PROFILE_FILE_MAX);
		errs->count = 1;
		r = -EINVAL;
	}
	if (r == 0) {
		text[n] = '\0';
		if (strlen(text) != n) {
			snprintf(errs->msg[0], sizeof(errs->msg[0]), "%s: contains a NUL byte", path);
			errs->count = 1;
			r = -EINVAL;
		} else {
			r = profile_load_string(path, text, p, errs);
		}
	}
	free(text);
	return r;
}
