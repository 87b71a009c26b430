/* cli-record.c - the pure parts of `h2box record`: arguments, samples, CSV rows, copy rate. */
#include "supervisor/cli/cli-record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/util/parse.h"

int cli_record_args_parse(int argc, char **argv, struct cli_record_opts *o, char *err,
			  size_t errlen)
{
	char perr[96];
	int i;

	memset(o, 0, sizeof(*o));
	o->interval_s = 1.0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			o->help = true;
			return 0;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return parse_error(-EINVAL, err, errlen, "%s needs a file name", a);
			o->out_path = argv[++i];
		} else if (!strcmp(a, "--plot")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return parse_error(-EINVAL, err, errlen, "--plot needs a .svg or .png file");
			o->plot_path = argv[++i];
		} else if (!strcmp(a, "--interval") || !strcmp(a, "-i")) {
			if (i + 1 >= argc)
				return parse_error(-EINVAL, err, errlen,
						   "%s needs a number of seconds", a);
			if (parse_double(argv[++i], 0.001, 3600, &o->interval_s, perr,
					 sizeof(perr)) < 0)
				return parse_error(-EINVAL, err, errlen, "%s: %s", a, perr);
		} else if (!strcmp(a, "--copy")) {
			if (i + 2 >= argc || !argv[i + 1][0] || !argv[i + 2][0])
				return parse_error(-EINVAL, err, errlen, "--copy needs SRC and DST");
			o->copy = true;
			o->copy_src = argv[++i];
			o->copy_dst = argv[++i];
		} else {
			return parse_error(-EINVAL, err, errlen, "unknown option '%.40s'", a);
		}
	}
	o->cmd = argv + i;
	o->ncmd = argc - i;
	if (o->copy && o->ncmd > 0)
		return parse_error(-EINVAL, err, errlen,
				   "give either --copy SRC DST or a command, not both");
	if (!o->copy && o->ncmd == 0)
		return parse_error(-EINVAL, err, errlen, "no command to run (put it after --)");
	return 0;
}

/* The value after "key": in a flat JSON line (top-level keys come before "monitors"). */
static const char *cli_record_json_find(const char *line, const char *key)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	return p ? p + strlen(pat) : NULL;
}

int cli_record_json_number(const char *line, const char *key, double *v)
{
	const char *p = cli_record_json_find(line, key);
	char *end;

	if (!p)
		return -ENOENT;
	if (!strncmp(p, "null", 4)) {
		*v = NAN;
		return 0;
	}
	errno = 0;
	*v = strtod(p, &end);
	if (end == p || errno == ERANGE || !isfinite(*v))
		return -EINVAL;
	return 0;
}

static int cli_record_json_string(const char *line, const char *key, char *dst, size_t len)
{
	const char *p = cli_record_json_find(line, key);
	size_t n = 0;

	dst[0] = '\0';
	if (!p)
		return -ENOENT;
	if (!strncmp(p, "null", 4))
		return 0;
	if (*p++ != '"')
		return -EINVAL;
	for (; *p && *p != '"'; p++) {
		if (n + 1 >= len)
			return -EINVAL;
		/* only what a CSV cell may hold unquoted */
		dst[n++] = (*p == ',' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
	}
	dst[n] = '\0';
	return *p == '"' ? 0 : -EINVAL;
}

/*
 * The strings of the flat array after "key": (names and alarm ids: no escapes, no commas) into
 * out[max][CLI_RECORD_NAME_MAX].  The count, -ENOENT (no such key) or -EINVAL.
 */
static int cli_record_json_names(const char *line, const char *key,
				 char out[][CLI_RECORD_NAME_MAX], int max)
{
	const char *p = cli_record_json_find(line, key);
	int n = 0;

	if (!p)
		return -ENOENT;
	if (*p++ != '[')
		return -EINVAL;
	while (*p == ' ')
		p++;
	while (*p == '"') {
		size_t k = 0;

		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' || *p == ',' || *p == ';' || (unsigned char)*p < 0x20 ||
			    k + 1 >= CLI_RECORD_NAME_MAX)
				return -EINVAL;
			if (n < max)
				out[n][k] = *p;
			k++;
		}
		if (*p++ != '"')
			return -EINVAL;
		if (n < max)
			out[n][k] = '\0';
		n++;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		while (*p == ' ')
			p++;
	}
	if (*p != ']')
		return -EINVAL;
	return n < max ? n : max;
}

int cli_record_cols_parse(const char *line, struct cli_record_cols *c)
{
	int n;

	memset(c, 0, sizeof(*c));
	n = cli_record_json_names(line, "temps", c->temps, CLI_RECORD_TEMPS_MAX);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return n;
	c->ntemps = n;
	return 0;
}

/* The temperatures of a sample: searched inside its "temps_c":{...} object only. */
static void cli_record_sample_temps(const char *line, const struct cli_record_cols *c,
				    struct cli_record_sample *s)
{
	const char *p = cli_record_json_find(line, "temps_c");
	const char *end = p && *p == '{' ? strchr(p, '}') : NULL;
	char obj[512];

	for (int i = 0; i < CLI_RECORD_TEMPS_MAX; i++)
		s->temps[i] = NAN;
	if (!c || !end || (size_t)(end - p) >= sizeof(obj))
		return;
	memcpy(obj, p, (size_t)(end - p));
	obj[end - p] = '\0';
	for (int i = 0; i < c->ntemps; i++)
		if (cli_record_json_number(obj, c->temps[i], &s->temps[i]) < 0)
			s->temps[i] = NAN;
}

static void cli_record_sample_alarms(const char *line, struct cli_record_sample *s)
{
	char ids[8][CLI_RECORD_NAME_MAX];
	int n = cli_record_json_names(line, "alarms", ids, 8);
	size_t off = 0;

	s->alarms[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(s->alarms + off, sizeof(s->alarms) - off, "%s%s", i ? ";" : "",
				 ids[i]);

		if (w < 0 || (size_t)w >= sizeof(s->alarms) - off)
			break;
		off += (size_t)w;
	}
}

int cli_record_sample_parse(const char *line, const struct cli_record_cols *c,
			    struct cli_record_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (line[0] != '{')
		return -EINVAL;
	/* mono_s and watts make a sample; the reply object {interval_ns} has neither */
	if (cli_record_json_number(line, "mono_s", &s->mono_s) < 0 ||
	    cli_record_json_number(line, "watts", &s->watts) < 0)
		return -EINVAL;
	if (cli_record_json_number(line, "volts", &s->volts) < 0)
		s->volts = NAN;
	if (cli_record_json_number(line, "amps", &s->amps) < 0)
		s->amps = NAN;
	if (cli_record_json_number(line, "avg_w", &s->avg_w) < 0)
		s->avg_w = NAN;
	if (cli_record_json_number(line, "ib_tx_gbps", &s->ib_tx_gbps) < 0)
		s->ib_tx_gbps = NAN;
	if (cli_record_json_number(line, "ib_rx_gbps", &s->ib_rx_gbps) < 0)
		s->ib_rx_gbps = NAN;
	if (cli_record_json_number(line, "energy_j", &s->energy_j) < 0)
		s->energy_j = NAN;
	if (cli_record_json_string(line, "time", s->time, sizeof(s->time)) < 0)
		s->time[0] = '\0';
	if (cli_record_json_string(line, "budget_state", s->budget, sizeof(s->budget)) < 0)
		s->budget[0] = '\0';
	if (cli_record_json_number(line, "fan_duty_pct", &s->fan_duty_pct) < 0)
		s->fan_duty_pct = NAN;
	if (cli_record_json_number(line, "fan_rpm", &s->fan_rpm) < 0)
		s->fan_rpm = NAN;
	cli_record_sample_temps(line, c, s);
	cli_record_sample_alarms(line, s);
	return 0;
}

/*
 * The first ten columns are those of every earlier h2box (scripts index them); the fan, the
 * profile's temperature inputs (`<name>_temp_c`, as the daemon's own watts log names them) and
 * the active alarms follow.
 */
int cli_record_csv_header(const struct cli_record_cols *c, char *buf, size_t len)
{
	size_t off;
	int n = snprintf(buf, len,
			 "time,mono_s,watts,volts,amps,avg_w,budget_state,ib_tx_gbps,ib_rx_gbps,"
			 "energy_j,fan_duty_pct,fan_rpm");

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	off = (size_t)n;
	for (int i = 0; c && i < c->ntemps; i++) {
		n = snprintf(buf + off, len - off, ",%s_temp_c", c->temps[i]);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	n = snprintf(buf + off, len - off, ",alarms\n");
	if (n < 0 || (size_t)n >= len - off)
		return -ENOSPC;
	return (int)(off + (size_t)n);
}

static size_t cli_record_csv_number(char *buf, size_t len, double v, int dec, bool comma)
{
	int n;

	if (isfinite(v))
		n = snprintf(buf, len, "%.*f%s", dec, v, comma ? "," : "");
	else
		n = snprintf(buf, len, "%s", comma ? "," : "");
	return n < 0 ? len : (size_t)n;
}

int cli_record_csv_row(const struct cli_record_cols *c, const struct cli_record_sample *s,
		       char *buf, size_t len)
{
	size_t n;
	int w;

	w = snprintf(buf, len, "%s,", s->time);
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	n = (size_t)w;
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->mono_s, 3, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->watts, 3, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->volts, 3, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->amps, 4, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->avg_w, 2, true);
	if (n < len) {
		w = snprintf(buf + n, len - n, "%s,", s->budget);
		n += w < 0 ? len : (size_t)w;
	}
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->ib_tx_gbps, 3, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->ib_rx_gbps, 3, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->energy_j, 3, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->fan_duty_pct, 1, true);
	n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->fan_rpm, 0, true);
	for (int i = 0; c && i < c->ntemps; i++)
		n += cli_record_csv_number(buf + n, n < len ? len - n : 0, s->temps[i], 2, true);
	if (n < len) {
		w = snprintf(buf + n, len - n, "%s", s->alarms);
		n += w < 0 ? len : (size_t)w;
	}
	if (n + 1 >= len)
		return -ENOSPC;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

double cli_record_gbps(double bytes, double seconds)
{
	return seconds > 0 ? bytes * 8.0 / seconds / 1e9 : NAN;
}
