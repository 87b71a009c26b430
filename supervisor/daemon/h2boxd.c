/* h2boxd.c - main() of the power and thermal supervisor daemon: options, then daemon_run(). */
#include "supervisor/daemon/daemon.h"
#include "supervisor/daemon/daemon-i2c.h"
#include "supervisor/util/log.h"
#include "supervisor/config/profile.h"
#include "hw/dlib.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "h2box-version.h" /* generated from VERSION (build/gen) */

/* A hardware or feature library that cannot be loaded (hw/dlib.h) goes to the daemon's log. */
static void h2boxd_dlib_report(const char *msg)
{
	log_warnx("%s", msg);
}

static void h2boxd_usage(FILE *f)
{
	fprintf(f,
		"usage: h2boxd [options]\n"
		"Power and thermal supervisor for an ODROID-H2 NAS with an SFX PSU and an IB card.\n\n"
		"  -c, --config FILE    profile to run (default /etc/h2box/h2box.conf, else the\n"
		"                       built-in simulated box)\n"
		"  -n, --check          check the profile, print \"configuration OK\" (and any warnings)\n"
		"                       and the I2C devices a start would create, and exit\n"
		"  -s, --socket PATH    control socket (default: profile, $H2BOX_SOCKET,\n"
		"                       /run/h2box/h2box.sock as root)\n"
		"      --admin-group G  who may change the box besides root: group name or gid\n"
		"                       (default h2box)\n"
		"      --sim            run on the simulated box whatever the profile's backend\n"
		"      --sim-speed F    virtual seconds per real second (0 = paused)\n"
		"      --status-line    print a live one-line status on stdout\n"
		"      --state-dir DIR  where state files live (default /var/lib/h2box)\n"
		"      --release-psu    one-shot for the systemd-shutdown hook: release PS_ON\n"
		"      --i2c-instantiate  one-shot for the unit (as root): create the profile's I2C\n"
		"                       devices that are absent, and exit\n"
		"  -v, --verbose        log debug messages\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n\n"
		"Signals: SIGHUP reloads the profile (a bad one is rejected and the old one kept);\n"
		"SIGTERM leaves outputs safe without cutting the box's power.\n"
		"See h2boxd(8) and h2box(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "admin-group", required_argument, NULL, 'G' },
		{ "sim", no_argument, NULL, 'S' },
		{ "sim-speed", required_argument, NULL, 'X' },
		{ "status-line", no_argument, NULL, 'L' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "release-psu", no_argument, NULL, 'R' },
		{ "i2c-instantiate", no_argument, NULL, 'I' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct daemon_options o = { .sim_speed = -1, .argv0 = argv[0] };
	bool check = false, release = false, instantiate = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:ns:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'G':
			o.admin_group = optarg;
			break;
		case 'S':
			o.force_sim = true;
			break;
		case 'X': {
			char *end;

			errno = 0;
			o.sim_speed = strtod(optarg, &end);
			if (*end || errno || o.sim_speed < 0 || o.sim_speed > 10000) {
				fprintf(stderr, "h2boxd: --sim-speed: expected 0..10000, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'L':
			o.status_line = true;
			break;
		case 'D':
			o.state_dir = optarg;
			break;
		case 'R':
			release = true;
			break;
		case 'I':
			instantiate = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			h2boxd_usage(stdout);
			return 0;
		case 'V':
			printf("h2boxd %s\n", H2BOX_VERSION);
			return 0;
		default:
			h2boxd_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "h2boxd: unexpected argument '%s'\n", argv[optind]);
		h2boxd_usage(stderr);
		return 2;
	}

	if (check) {
		struct profile_errors errs;
		struct profile *p = calloc(1, sizeof(*p));
		const char *path = daemon_profile_path(&o);
		int r;

		if (!p)
			return 1;
		r = path ? profile_load_file(path, p, &errs) :
			   profile_load_string(h2box_default_profile_name, h2box_default_profile, p,
					       &errs);
		if (r < 0 && errs.count == 0) {
			fprintf(stderr, "h2boxd: %s: %s\n", path, strerror(-r));
			free(p);
			return 1;
		}
		for (int i = 0; i < errs.count; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		for (int i = 0; i < errs.nwarnings; i++)
			fprintf(stderr, "%s\n", errs.warning[i]);
		if (r < 0) {
			free(p);
			return 1;
		}
		if (errs.nwarnings)
			printf("configuration OK with %d warning%s\n", errs.nwarnings,
			       errs.nwarnings == 1 ? "" : "s");
		else
			printf("configuration OK\n");
		if (o.force_sim)
			p->daemon.sim = true;
		daemon_i2c_print(p, stdout);
		free(p);
		return 0;
	}

	log_init(LOG_TARGET_AUTO, o.verbose ? LOG_DEBUG : LOG_INFO);
	hw_dlib_report_set(h2boxd_dlib_report);
	if (release)
		return daemon_release_psu(&o);
	if (instantiate)
		return daemon_i2c_instantiate(&o);
	log_set_quiet(o.status_line);
	return daemon_run(&o);
}
