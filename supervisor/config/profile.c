/* profile.c - a box profile: INI file (inih) -> validated configuration of every service. */
#include "supervisor/config/profile.h"

#include "hw/clock.h"
#include "supervisor/config/conf-keys.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Lines longer than this are an error, never silently cut (inih's own buffer is 200). */
#define PROFILE_LINE_MAX 199
#define PROFILE_FILE_MAX (256 * 1024)

/* More keys than any profile has: beyond it repeats are no longer looked for (and said so). */
#define PROFILE_SEEN_MAX 4096

/* A section header (key "") or a key set, under its normalised and canonical names. */
struct profile_seen {
	char norm[96], canon[96];
	char key[48], ckey[48];
	int line;
};

struct profile_parse {
	const char *name;
	struct profile *p;
	struct profile_errors *errs;
	/* the reader */
	const char *text;
	size_t pos, len;
	int line;
	/* what inih makes of the current line: it continues the last key's value */
	bool continuation;
	bool have_prev_key; /* inih's "previous key" since the last header */
	/* every header and key so far, to find repeats */
	struct profile_seen *seen;
	size_t nseen, seen_cap;
	bool seen_full;
	/* lines of [daemon]/[sim] keys for cross-checks */
	int line_backend;
	int line_sim_build;
};

/* "file:line: [prefix]message" into out (one of errs->msg or errs->warning). */
static void profile_vmessage(const struct profile_parse *pp, char *out, size_t len, int line,
			     const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

static void profile_vmessage(const struct profile_parse *pp, char *out, size_t len, int line,
			     const char *prefix, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(out, len, "%s:%d: %s%s", pp->name, line, prefix, msg);
	else
		snprintf(out, len, "%s: %s%s", pp->name, prefix, msg);
}

static void profile_error(struct profile_parse *pp, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void profile_error(struct profile_parse *pp, int line, const char *fmt, ...)
{
	struct profile_errors *e = pp->errs;
	va_list ap;

	if (e->count >= PROFILE_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	profile_vmessage(pp, e->msg[e->count++], sizeof(e->msg[0]), line, "", fmt, ap);
	va_end(ap);
}

static void profile_warning(struct profile_parse *pp, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void profile_warning(struct profile_parse *pp, int line, const char *fmt, ...)
{
	struct profile_errors *e = pp->errs;
	va_list ap;

	if (e->nwarnings >= PROFILE_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	profile_vmessage(pp, e->warning[e->nwarnings++], sizeof(e->warning[0]), line, "warning: ",
			 fmt, ap);
	va_end(ap);
}

/*
 * Remember a header (key NULL) or a key; a repeat of one already seen is
 * returned instead (and not remembered).  NULL also when the table is full.
 */
static const struct profile_seen *profile_seen_add(struct profile_parse *pp, const char *section,
						   const char *key)
{
	struct profile_seen cur, *grown;
	const char *ckey;

	profile_sections_canonical(section, key, cur.norm, sizeof(cur.norm), cur.canon,
				   sizeof(cur.canon), &ckey);
	snprintf(cur.key, sizeof(cur.key), "%s", key ? key : "");
	snprintf(cur.ckey, sizeof(cur.ckey), "%s", ckey);
	cur.line = pp->line;
	for (size_t i = 0; i < pp->nseen; i++)
		if (strcmp(pp->seen[i].canon, cur.canon) == 0 &&
		    strcmp(pp->seen[i].ckey, cur.ckey) == 0)
			return &pp->seen[i];
	if (pp->nseen == pp->seen_cap) {
		size_t cap = pp->seen_cap ? 2 * pp->seen_cap : 64;

		grown = cap <= PROFILE_SEEN_MAX ? realloc(pp->seen, cap * sizeof(*grown)) : NULL;
		if (!grown) {
			if (!pp->seen_full)
				profile_error(pp, pp->line, "more than %d sections and keys",
					      PROFILE_SEEN_MAX);
			pp->seen_full = true;
			return NULL;
		}
		pp->seen = grown;
		pp->seen_cap = cap;
	}
	pp->seen[pp->nseen++] = cur;
	return NULL;
}

/* The line a key was set on (canonical names), 0 when the profile does not set it. */
static int profile_key_line(const struct profile_parse *pp, const char *section, const char *key)
{
	for (size_t i = 0; i < pp->nseen; i++)
		if (strcmp(pp->seen[i].canon, section) == 0 && strcmp(pp->seen[i].ckey, key) == 0)
			return pp->seen[i].line;
	return 0;
}

/*
 * Sections are checked where their header stands, so even an empty unknown
 * one is reported.  A section stands once in a profile: a second [daemon] or
 * [input nic] would silently merge into (or override) the first.
 */
static void profile_section_seen(struct profile_parse *pp, const char *p)
{
	const struct profile_seen *first;
	char name[96], norm[96], canon[96], err[160];
	const char *end, *ckey;

	end = strchr(p, ']');
	if (!end || (size_t)(end - p - 1) >= sizeof(name))
		return; /* inih reports the syntax error */
	memcpy(name, p + 1, (size_t)(end - p - 1));
	name[end - p - 1] = '\0';
	if (profile_sections_normalize(name, norm, sizeof(norm), err, sizeof(err)) < 0) {
		profile_error(pp, pp->line, "%s", err);
		return;
	}
	if (!profile_sections_known(name)) {
		profile_error(pp, pp->line, "unknown section [%s]", name);
		return;
	}
	first = profile_seen_add(pp, name, NULL);
	if (!first)
		return;
	profile_sections_canonical(name, NULL, norm, sizeof(norm), canon, sizeof(canon), &ckey);
	if (strcmp(first->norm, norm) != 0)
		profile_error(pp, pp->line,
			      "section [%s] repeated (first at line %d as [%s]): keep its keys in one"
			      " section", name, first->line, first->norm);
	else
		profile_error(pp, pp->line,
			      "section [%s] repeated (first at line %d): keep its keys in one section",
			      name, first->line);
}

/*
 * What inih will make of a raw line.  Built with INI_ALLOW_MULTILINE, it
 * takes an indented line after a key as more of that key's value and calls
 * the handler with the key again: even "  [sim]" becomes the value.  Mark
 * it so the handler can refuse it instead of overwriting the value.
 */
static void profile_line_classify(struct profile_parse *pp, const char *line)
{
	const char *p = line;

	if (pp->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3; /* inih skips a UTF-8 byte order mark */
	line = p;
	while (*p == ' ' || *p == '\t')
		p++;
	pp->continuation = false;
	if (!*p || *p == '\n' || *p == '\r' || *p == ';' || *p == '#')
		return;
	if (p > line && pp->have_prev_key) {
		pp->continuation = true;
		return;
	}
	if (*p == '[') {
		pp->have_prev_key = false;
		profile_section_seen(pp, p);
	}
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
	profile_line_classify(pp, str);
	if (too_long) {
		profile_error(pp, pp->line, "line longer than %d characters", PROFILE_LINE_MAX);
		snprintf(str, (size_t)num, ";\n"); /* reported; do not let a cut line mean something */
	}
	return str;
}

/* [daemon] backend = sim | linux, kept as a bool */
static int profile_backend_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct daemon_config *d = obj;

	if (strcmp(value, "sim") && strcmp(value, "linux"))
		return parse_error(-EINVAL, err, errlen, "must be 'sim' or 'linux', got '%s'",
				   value);
	d->sim = strcmp(value, "sim") == 0;
	return 0;
}

#define NS_S ((double)HW_NSEC_PER_SEC)
#define DAEMON_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct daemon_config, f), __VA_ARGS__ }

static const struct conf_key profile_daemon_keys[] = {
	{ .name = "backend", .type = CONF_CUSTOM, .fn = profile_backend_set },
	DAEMON_KEY("socket", CONF_PATH, socket, .size = sizeof(((struct daemon_config *)0)->socket)),
	DAEMON_KEY("state_dir", CONF_STRING, state_dir,
		   .size = sizeof(((struct daemon_config *)0)->state_dir)),
	DAEMON_KEY("name", CONF_STRING, name, .size = sizeof(((struct daemon_config *)0)->name)),
	DAEMON_KEY("status_period", CONF_DURATION, status_period_ns, .min = NS_S / 10,
		   .max = 3600 * NS_S),
	DAEMON_KEY("i2c_instantiate", CONF_BOOL, i2c_instantiate),
	CONF_KEY_END,
};

/* [sim] build = sfx | brick: the build picks its own electrical defaults, keeping what was set */
static int profile_sim_build_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct sim_config *sc = obj;
	struct sim_plant_config *c = &sc->plant;
	double amb = c->ambient_c, speed = c->speed;
	bool running = c->host_running;
	enum sim_build b;

	if (strcmp(value, "sfx") == 0)
		b = SIM_BUILD_SFX;
	else if (strcmp(value, "brick") == 0)
		b = SIM_BUILD_BRICK;
	else
		return parse_error(-EINVAL, err, errlen, "must be 'sfx' or 'brick', got '%s'",
				   value);
	sim_plant_config_defaults(c, b);
	c->ambient_c = amb;
	c->speed = speed;
	c->host_running = running;
	return 0;
}

static int profile_sim_workload_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct sim_config *sc = obj;

	if (!sim_plant_workload_describe(value))
		return parse_error(-EINVAL, err, errlen,
				   "unknown workload '%s' (see h2box sim workload --list)", value);
	return parse_string(value, sc->workload, sizeof(sc->workload), err, errlen);
}

/* seed is a uint64_t filled as an unsigned long */
_Static_assert(sizeof(unsigned long) == sizeof(uint64_t), "CONF_UINT fills an unsigned long");

#define SIM_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct sim_config, plant.f), __VA_ARGS__ }

static const struct conf_key profile_sim_keys[] = {
	{ .name = "build", .type = CONF_CUSTOM, .fn = profile_sim_build_set },
	SIM_KEY("speed", CONF_DOUBLE, speed, .min = 0, .max = 10000),
	SIM_KEY("ambient", CONF_DOUBLE, ambient_c, .min = -20, .max = 60),
	SIM_KEY("seed", CONF_UINT, seed, .min = 0, .max = (double)~0UL),
	SIM_KEY("psu_ok_delay", CONF_DURATION, psu_ok_delay_ns, .min = NS_S / 1000, .max = 10 * NS_S),
	SIM_KEY("host_boot", CONF_DURATION, host_boot_ns, .min = NS_S / 10, .max = 3600 * NS_S),
	SIM_KEY("host_shutdown", CONF_DURATION, host_shutdown_ns, .min = NS_S / 10,
		.max = 3600 * NS_S),
	SIM_KEY("link_up", CONF_DURATION, link_up_ns, .min = 0, .max = 3600 * NS_S),
	SIM_KEY("host_starts_on_power", CONF_BOOL, host_starts_on_power),
	SIM_KEY("host_running", CONF_BOOL, host_running),
	{ .name = "workload", .type = CONF_CUSTOM, .fn = profile_sim_workload_set },
	CONF_KEY_END,
};

static int profile_daemon_set(struct profile_parse *pp, const char *key, const char *value,
			      char *err, size_t errlen)
{
	if (strcmp(key, "backend") == 0)
		pp->line_backend = pp->line;
	return conf_keys_set(profile_daemon_keys, &pp->p->daemon, key, value, err, errlen);
}

static int profile_sim_set(struct profile_parse *pp, const char *key, const char *value,
			   char *err, size_t errlen)
{
	if (strcmp(key, "build") == 0)
		pp->line_sim_build = pp->line;
	return conf_keys_set(profile_sim_keys, &pp->p->sim, key, value, err, errlen);
}

static int profile_handler(void *user, const char *section, const char *key, const char *value)
{
	struct profile_parse *pp = user;
	char err[256] = "", norm_section[96];
	int r;

	const struct profile_seen *first;
	bool known;

	if (!key) /* a section header with no keys yet */
		return 1;
	if (pp->continuation) {
		profile_error(pp, pp->line,
			      "indented line continues '%s': a value is one line (remove the"
			      " indentation)", key);
		return 1;
	}
	pp->have_prev_key = true;
	if (!section[0]) {
		profile_error(pp, pp->line, "'%s' is outside any section: put it under its [section]",
			      key);
		return 1;
	}
	known = profile_sections_known(section);
	if (!known)
		return 1; /* reported with its header */
	if (profile_sections_normalize(section, norm_section, sizeof(norm_section), NULL, 0) < 0)
		return 1;
	section = norm_section;
	first = profile_seen_add(pp, section, key);
	if (first) {
		char norm[96], canon[96];
		const char *ckey;

		/* the first value stands; name the alias when the first used another name */
		profile_sections_canonical(section, key, norm, sizeof(norm), canon, sizeof(canon),
					   &ckey);
		if (strcmp(first->norm, norm) != 0 || strcmp(first->key, key) != 0)
			profile_error(pp, pp->line,
				      "'%s' repeated in [%s] (first set at line %d as [%s] %s)", key,
				      section, first->line, first->norm, first->key);
		else
			profile_error(pp, pp->line, "'%s' repeated in [%s] (first set at line %d)",
				      key, section, first->line);
		return 1;
	}
	if (strcmp(section, "daemon") == 0)
		r = profile_daemon_set(pp, key, value, err, sizeof(err));
	else if (strcmp(section, "sim") == 0)
		r = profile_sim_set(pp, key, value, err, sizeof(err));
	else
		r = profile_sections_set(pp->p, section, key, value, pp->line, err, sizeof(err));
	if (r == -ENOENT && !err[0]) {
		profile_error(pp, pp->line, "unknown key '%s' in [%s]", key, section);
	} else if (r < 0) {
		profile_error(pp, pp->line, "%s: %s", key, err[0] ? err : "invalid value");
	}
	return 1; /* keep going: report every error in one pass */
}

void profile_keys_each(conf_keys_each_fn fn, void *ctx)
{
	conf_keys_each(profile_daemon_keys, "daemon", fn, ctx);
	conf_keys_each(profile_sim_keys, "sim", fn, ctx);
	profile_sections_keys_each(fn, ctx);
}

void profile_defaults(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->daemon.sim = false;
	snprintf(p->daemon.state_dir, sizeof(p->daemon.state_dir), "/var/lib/h2box");
	snprintf(p->daemon.name, sizeof(p->daemon.name), "h2box");
	p->daemon.status_period_ns = INT64_C(1000000000);
	p->daemon.i2c_instantiate = true;
	sim_plant_config_defaults(&p->sim.plant, SIM_BUILD_SFX);
	snprintf(p->sim.workload, sizeof(p->sim.workload), "idle");
	profile_sections_defaults(p);
}

/* [input NAME] override_temp shadowed by every profile's, and the other way round. */
static void profile_check_overrides(struct profile_parse *pp, const struct fan_config *fc)
{
	char sec[96];
	int line;

	for (int i = 0; i < fc->ninputs; i++) {
		double own = fc->inputs[i].override_temp, most = -INFINITY;
		bool dead = true;

		snprintf(sec, sizeof(sec), "input %s", fc->inputs[i].spec.name);
		line = profile_key_line(pp, sec, "override_temp");
		if (!line || isnan(own))
			continue;
		for (int k = 0; k < fc->sched.nprofiles; k++) {
			most = fmax(most, fc->sched.profiles[k].override_temp);
			if (!(fanctl_override_temp(fc, i, k) < own))
				dead = false;
		}
		if (dead)
			profile_warning(pp, line,
					"[%s] override_temp = %g never takes effect: every fan"
					" profile's is lower (at most %g), and the lower one applies",
					sec, own, most);
	}
	for (int k = 0; k < fc->sched.nprofiles; k++) {
		double own = fc->sched.profiles[k].override_temp, most = -INFINITY;
		bool dead = true;

		snprintf(sec, sizeof(sec), "fanprofile %s", fc->sched.profiles[k].name);
		line = profile_key_line(pp, sec, "override_temp");
		if (!line || isnan(own))
			continue;
		for (int i = 0; i < fc->ninputs; i++) {
			most = fmax(most, fc->inputs[i].override_temp);
			if (!(fanctl_override_temp(fc, i, k) < own))
				dead = false;
		}
		if (dead)
			profile_warning(pp, line,
					"[%s] override_temp = %g never takes effect: every [input]'s"
					" is lower (at most %g), and the lower one applies",
					sec, own, most);
	}
}

/*
 * Keys that load but can never take effect: a warning each, so `h2boxd -n`
 * says so instead of a silent "configuration OK".
 */
static void profile_check_dead_keys(struct profile_parse *pp)
{
	const struct fan_config *fc = &pp->p->fan;
	static const char *const ignored_by_file[] = { "chip", "label" };
	char sec[96];
	int line;

	if (!pp->p->daemon.sim && (line = profile_key_line(pp, "sim", "")))
		profile_warning(pp, line,
				"[sim] has no effect with backend = linux (only under h2boxd --sim)");
	if (!fc->enabled)
		return; /* the fan's sections are all moot: enabled = no says so already */
	profile_check_overrides(pp, fc);
	for (int k = 0; k < fc->ncurves; k++) {
		bool used = false;

		for (int i = 0; i < fc->ninputs; i++)
			if (strcmp(fc->inputs[i].curve, fc->curves[k].c.name) == 0)
				used = true;
		snprintf(sec, sizeof(sec), "curve %s", fc->curves[k].c.name);
		line = profile_key_line(pp, sec, "");
		if (!used && line)
			profile_warning(pp, line, "[%s] is not used by any [input]", sec);
	}
	for (int k = 0; k < fc->ncurves; k++) {
		static const char *const gains[] = { "pid_kp", "pid_ki", "pid_kd" };

		if (!isnan(fc->curves[k].c.pid_target_c))
			continue;
		snprintf(sec, sizeof(sec), "curve %s", fc->curves[k].c.name);
		for (size_t g = 0; g < sizeof(gains) / sizeof(gains[0]); g++) {
			line = profile_key_line(pp, sec, gains[g]);
			if (line)
				profile_warning(pp, line, "[%s] %s has no effect without pid_target",
						sec, gains[g]);
		}
	}
	for (int i = 0; i < fc->ninputs; i++) {
		if (!fc->inputs[i].spec.file[0])
			continue;
		snprintf(sec, sizeof(sec), "input %s", fc->inputs[i].spec.name);
		for (size_t k = 0; k < sizeof(ignored_by_file) / sizeof(ignored_by_file[0]); k++) {
			line = profile_key_line(pp, sec, ignored_by_file[k]);
			if (line)
				profile_warning(pp, line, "[%s] %s is ignored: the input reads file =",
						sec, ignored_by_file[k]);
		}
	}
}

/* The simulated box carries the chip its I2C monitor at the plant's address names. */
static void profile_sim_monitor_chip(struct profile *p)
{
	for (int i = 0; i < p->watts.nmonitors; i++) {
		const struct ina2xx_config *c = &p->watts.mon[i].ina;

		if (c->mode != INA2XX_MODE_I2C || c->bus != SIM_PLANT_INA_BUS ||
		    c->addr != SIM_PLANT_INA_ADDR)
			continue;
		p->sim.plant.monitor_chip = c->chip == INA2XX_INA219 ? SIM_MONITOR_INA219 :
					    c->chip == INA2XX_INA260 ? SIM_MONITOR_INA260 :
								       SIM_MONITOR_INA226;
		return;
	}
}

static int profile_parse_text(struct profile_parse *pp)
{
	int r, line = 0;
	char err[256] = "";

	r = ini_parse_stream(profile_reader, pp, profile_handler, pp);
	/* the header is what counts: a bare [ib] turns the IB watch on too */
	if (profile_key_line(pp, "ib", ""))
		pp->p->ib.enabled = true;
	/* and a bare [watts] the power meter with its default monitor */
	if (profile_key_line(pp, "watts", ""))
		pp->p->watts.enabled = true;
	if (r > 0)
		profile_error(pp, r, "syntax error (expected [section], key = value or ; comment)");
	else if (r < 0)
		profile_error(pp, 0, "cannot parse: out of memory");
	if (pp->errs->count == 0 && profile_sections_validate(pp->p, &line, err, sizeof(err)) < 0)
		profile_error(pp, line, "%s", err);
	profile_sim_monitor_chip(pp->p);
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
	if (pp->errs->count == 0)
		profile_check_dead_keys(pp);
	free(pp->seen);
	pp->seen = NULL;
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
