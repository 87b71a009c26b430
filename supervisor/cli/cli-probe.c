/* cli-probe.c - `h2box probe`: find the box's parts without h2boxd and suggest a profile for them. */
#include "supervisor/cli/cli-probe.h"
#include "supervisor/cli/cli-probe-scan.h"
#include "supervisor/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hw/clock.h"
#include "hw/hw.h"
#include "supervisor/report/probe.h"
#include "supervisor/util/json.h"
#include "supervisor/util/parse.h"

/*
 * What pwmconfig and sensors-detect do for fancontrol: everything is read
 * only (SMBus read byte/word on the buses the user names, sysfs for chips a
 * kernel driver owns), except the PWM step, which runs only with --pwm-test
 * after the user said yes (or --yes), and restores every output it touched.
 */

struct cli_probe_opts {
	int buses[PROBE_I2C_BUSES_MAX];
	int nbuses;
	bool pwm_test, yes;
	int64_t settle_ns;
	const char *write;
};

static volatile sig_atomic_t cli_probe_stop;

static void cli_probe_on_signal(int sig)
{
	(void)sig;
	cli_probe_stop = 1;
}

/* Real time in 50 ms slices, so Ctrl-C ends the step (and restores) at once. */
static bool cli_probe_wait(void *userdata, int64_t ns)
{
	(void)userdata;
	while (ns > 0 && !cli_probe_stop) {
		int64_t step = ns < 50 * HW_NSEC_PER_MSEC ? ns : 50 * HW_NSEC_PER_MSEC;
		struct timespec ts = { (time_t)(step / HW_NSEC_PER_SEC), (long)(step % HW_NSEC_PER_SEC) };

		nanosleep(&ts, NULL);
		ns -= step;
	}
	return cli_probe_stop != 0;
}

static int cli_probe_parse(bool json, int argc, char **argv, struct cli_probe_opts *o)
{
	char err[96];

	memset(o, 0, sizeof(*o));
	o->settle_ns = 3 * HW_NSEC_PER_SEC;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0) {
			continue;
		} else if (strcmp(a, "--pwm-test") == 0) {
			o->pwm_test = true;
		} else if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0) {
			o->yes = true;
		} else if (strcmp(a, "--i2c-bus") == 0) {
			long bus;

			if (!v || parse_int(v, 0, 1023, &bus, err, sizeof(err)) < 0)
				return cli_fail(json, 2, "probe: --i2c-bus needs a bus number 0..1023%s%s",
						v ? ": " : "", v ? err : "");
			if (o->nbuses == PROBE_I2C_BUSES_MAX)
				return cli_fail(json, 2, "probe: at most %d --i2c-bus", PROBE_I2C_BUSES_MAX);
			o->buses[o->nbuses++] = (int)bus;
			i++;
		} else if (strcmp(a, "--settle") == 0) {
			if (!v || parse_duration_ns(v, 100 * HW_NSEC_PER_MSEC, 60 * HW_NSEC_PER_SEC,
						    &o->settle_ns, err, sizeof(err)) < 0)
				return cli_fail(json, 2, "probe: --settle needs a duration 100ms..60s%s%s",
						v ? ": " : "", v ? err : "");
			i++;
		} else if (strcmp(a, "--write") == 0 || strcmp(a, "-w") == 0) {
			if (!v || !*v)
				return cli_fail(json, 2, "probe: %s needs a file name", a);
			o->write = v;
			i++;
		} else {
			return cli_fail(json, 2, "probe: unknown argument '%.64s': try 'h2box probe --help'",
					a);
		}
	}
	return 0;
}

/* "y" or "yes" on stdin; anything else, or end of input, is no. */
static bool cli_probe_confirm(const struct probe_result *r, int64_t settle_ns)
{
	char line[16];

	fprintf(stderr, "h2box probe: --pwm-test steps each of these outputs to 100%% and to 25%%"
			" for %.1f s each, then restores it:\n", (double)settle_ns / HW_NSEC_PER_SEC);
	for (int i = 0; i < r->nfans; i++)
		fprintf(stderr, "  %s pwm%d\n", r->fans[i].chip, r->fans[i].pwm);
	fprintf(stderr, "Fans will run loud and slow for a moment; stop h2boxd first.  Continue? [y/N] ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0;
}

/* The profile into a new file: O_EXCL, never over an existing one. 0 or -errno. */
static int cli_probe_write_file(const struct probe_result *r, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f;
	int e;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		e = -errno;
		close(fd);
		unlink(path);
		return e;
	}
	e = probe_profile_write(r, f);
	if (fclose(f) != 0 && e == 0)
		e = -errno;
	if (e < 0)
		unlink(path); /* no half profile left behind */
	return e;
}

static int cli_probe_print_json(const struct probe_result *r, const struct cli_probe_opts *o)
{
	struct json *j = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		probe_profile_write(r, f);
		if (fclose(f) != 0) {
			free(text);
			text = NULL;
		}
	}
	if (text)
		j = cli_json_ok_begin();
	if (j) {
		probe_json(r, j);
		json_string(j, "written", o->write);
		json_string(j, "profile", text);
	}
	free(text);
	return cli_json_ok_print(j, "probe");
}

int cli_probe_main(bool json, int argc, char **argv)
{
	struct cli_probe_opts o;
	struct probe_result *r = NULL;
	struct sigaction sa;
	struct hw *hw = NULL;
	int status, e;

	status = cli_probe_parse(json, argc, argv, &o);
	if (status)
		return status;
	if (o.write && access(o.write, F_OK) == 0)
		return cli_fail(json, 1, "probe: %s exists: not overwritten", o.write);
	r = calloc(1, sizeof(*r));
	if (!r)
		return cli_fail(json, 1, "probe: out of memory");
	e = hw_linux_new(&hw);
	if (e < 0) {
		status = cli_fail(json, 1, "probe: cannot open the hardware interfaces: %s",
				  strerror(-e));
		goto out;
	}
	cli_probe_scan(hw, o.buses, o.nbuses, r);
	cli_probe_fans_list(hw, r);
	if (o.pwm_test && r->nfans) {
		if (!o.yes && !cli_probe_confirm(r, o.settle_ns)) {
			status = cli_fail(json, 3, "probe: PWM test not confirmed: nothing was changed");
			goto out;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = cli_probe_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		e = cli_probe_pwm_test(hw, r, o.settle_ns, cli_probe_wait, NULL);
		if (e < 0) {
			status = cli_fail(json, 1,
					  "probe: PWM test %s: every output it touched was restored",
					  e == -EINTR ? "interrupted" : strerror(-e));
			goto out;
		}
	} else if (o.pwm_test) {
		r->pwm_tested = true; /* asked for, nothing to step: say so in the profile */
	}
	if (o.write) {
		e = cli_probe_write_file(r, o.write);
		if (e < 0) {
			status = cli_fail(json, 1, "probe: cannot write %s: %s", o.write, strerror(-e));
			goto out;
		}
	}
	if (json) {
		status = cli_probe_print_json(r, &o);
	} else if (o.write) {
		probe_text(r, stdout);
		printf("wrote %s: check each '# guess:' line, then `h2boxd -n -c %s`\n", o.write,
		       o.write);
		status = 0;
	} else {
		/* stdout is the profile (h2box probe > FILE works); what was found goes to stderr */
		probe_text(r, stderr);
		status = probe_profile_write(r, stdout) < 0 ? 1 : 0;
	}
out:
	if (hw)
		hw_free(hw);
	free(r);
	return status;
}
