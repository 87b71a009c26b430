/* daemon.c - h2boxd's runtime: profile, backends, services, sd_notify, reload and shutdown. */
#include "supervisor/daemon/daemon.h"

#include "hw/clock.h"
#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/http.h"
#include "supervisor/daemon/daemon-i2c.h"
#include "supervisor/daemon/daemon-metrics.h"
#include "supervisor/daemon/daemon-services.h"
#include "supervisor/util/json.h"
#include "supervisor/util/timefmt.h"
#include "supervisor/services/power-svc.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/wire.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/config/profile.h"
#include "supervisor/services/sim-svc.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#define DAEMON_SYSTEM_PROFILE "/etc/h2box/h2box.conf"

struct daemon {
	struct daemon_options opts;
	const char *profile_path; /* NULL = built-in */
	struct profile *profile;
	struct sim_plant *plant;
	struct hw *hw;
	struct loop *loop;
	struct ctl *ctl;
	struct box box;
	struct sim_svc *sim;
	struct daemon_services services;
	struct daemon_metrics *metrics;
	struct loop_timer *status_timer; /* NULL when nobody reads STATUS= or a status line */
	int64_t status_period_ns;
	uint64_t watchdog_usec;
	bool starting;
	bool ready_sent;
	int64_t start_ns;
	bool tty;
};

const char *daemon_profile_path(const struct daemon_options *o)
{
	if (o->config)
		return o->config;
	if (access(DAEMON_SYSTEM_PROFILE, R_OK) == 0 && !o->force_sim)
		return DAEMON_SYSTEM_PROFILE;
	return NULL;
}

/* ---- readiness and liveness: the box's hooks ---- */

static void daemon_maybe_ready(struct daemon *d)
{
	if (d->ready_sent || d->starting || box_ready_held(&d->box))
		return;
	d->ready_sent = true;
	sd_notify(0, "READY=1");
	log_info("ready: control socket %s", ctl_socket_path(d->ctl));
}

static void daemon_on_ready(void *userdata)
{
	daemon_maybe_ready(userdata);
}

static void daemon_on_cycle_done(void *userdata, int64_t now_ns)
{
	struct daemon *d = userdata;

	/* WATCHDOG=1 only after real work, so a hung sensor read gets the daemon restarted */
	if (d->watchdog_usec)
		sd_notify(0, "WATCHDOG=1");
}

/* ---- status ---- */

static void daemon_status_line(struct daemon *d, char *buf, size_t len)
{
	const struct box_readings *r = &d->box.readings;
	char w[16], v[16], t[16], f[16], rpm[16], tx[16], rx[16], clock[16];
	double nic = box_temp_get(&d->box, "nic");

	timefmt_local(loop_real_now(d->loop), "%H:%M:%S", clock, sizeof(clock));
	snprintf(buf, len,
		 "%s %s power=%s %s W %s V nic=%s C fan=%s%% %s rpm ib=%s/%s Gb/s budget=%s",
		 clock, d->profile->daemon.sim ? "[sim]" : "", r->power_state ? r->power_state : "-",
		 parse_format_number(w, sizeof(w), 1, r->watts, "--"),
		 parse_format_number(v, sizeof(v), 2, r->volts, "--"),
		 parse_format_number(t, sizeof(t), 1, nic, "--"),
		 /* the duty the fan runs at: the chip's read-back when known */
		 parse_format_number(f, sizeof(f), 0,
				     isfinite(r->fan_duty_actual_pct) ? r->fan_duty_actual_pct
								      : r->fan_duty_pct,
				     "--"),
		 parse_format_number(rpm, sizeof(rpm), 0, r->fan_rpm, "--"),
		 parse_format_number(tx, sizeof(tx), 2, r->ib_tx_gbps, "--"),
		 parse_format_number(rx, sizeof(rx), 2, r->ib_rx_gbps, "--"),
		 r->budget_state ? r->budget_state : "-");
}

static void daemon_on_status_timer(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct daemon *d = userdata;
	char line[256], st[300];

	daemon_status_line(d, line, sizeof(line));
	snprintf(st, sizeof(st), "STATUS=%s", line);
	sd_notify(0, st);
	if (d->opts.status_line) {
		if (d->tty)
			fprintf(stdout, "\r\033[K%s", line);
		else
			fprintf(stdout, "%s\n", line);
		fflush(stdout);
	}
	loop_timer_arm_next(t, d->status_period_ns);
}

static void daemon_readings_json(struct daemon *d, struct json *j)
{
	const struct box_readings *r = &d->box.readings;

	json_object_begin(j, "readings");
	json_number(j, "watts", r->watts, 2);
	json_number(j, "volts", r->volts, 3);
	json_number(j, "amps", r->amps, 3);
	json_number(j, "fan_duty_pct", r->fan_duty_pct, 1);
	json_number(j, "fan_duty_actual_pct", r->fan_duty_actual_pct, 1);
	json_number(j, "fan_rpm", r->fan_rpm, 0);
	json_number(j, "ib_tx_gbps", r->ib_tx_gbps, 3);
	json_number(j, "ib_rx_gbps", r->ib_rx_gbps, 3);
	json_string(j, "budget_state", r->budget_state);
	json_string(j, "power_state", r->power_state);
	/* "<input>_temp_c", as the plant's truth names them (docs/JSON.md) */
	for (int i = 0; i < r->ntemps; i++) {
		char key[48];

		snprintf(key, sizeof(key), "%.32s_temp_c", r->temps[i].name);
		json_number(j, key, r->temps[i].celsius, 1);
	}
	json_object_end(j);
}

/* The one builder of the status document: `h2box --json status`, GET /api/status and the
 * services (MQTT). */
static void daemon_status_json(void *userdata, struct json *j)
{
	struct daemon *d = userdata;

	json_string(j, "box", d->profile->daemon.name);
	json_string(j, "backend", d->profile->daemon.sim ? "sim" : "linux");
	json_string(j, "profile", d->profile->path);
	json_number(j, "uptime_s", (double)(loop_now(d->loop) - d->start_ns) / 1e9, 1);
	daemon_readings_json(d, j);
	json_object_begin(j, "daemon");
	loop_timers_json(d->loop, j, "timers");
	json_object_end(j);
	daemon_services_status_json(&d->services, &d->box, j);
	if (d->sim) {
		json_object_begin(j, "sim");
		sim_svc_status_json(d->sim, j);
		json_object_end(j);
	}
}

static int daemon_cmd_status(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct daemon *d = userdata;
	char line[256];

	if (req->argc != 1) {
		ctl_reply_error(rep, 2, "usage: status");
		return 0;
	}
	if (req->json) {
		daemon_status_json(d, ctl_reply_json(rep));
		return 0;
	}
	daemon_status_line(d, line, sizeof(line));
	ctl_reply_printf(rep, "%s (%s, profile %s)\n%s\n", d->profile->daemon.name,
			 d->profile->daemon.sim ? "simulated box" : "linux", d->profile->path, line);
	daemon_services_status_text(&d->services, &d->box, rep);
	return 0;
}

/* ---- services and reload ---- */

static int daemon_start_services(struct daemon *d)
{
	int r;

	d->box.profile = d->profile;
	d->box.profile_path = d->profile->path;
	r = daemon_services_start(&d->services, &d->box);
	if (r < 0) {
		/* what a failed reload's first services adopted goes on to the fallback */
		daemon_services_keep(&d->services, &d->box);
		daemon_services_stop(&d->services, &d->box);
	}
	return r;
}

static int daemon_load_profile(struct daemon *d, struct profile **out)
{
	struct profile_errors errs;
	struct profile *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	if (d->profile_path) {
		r = profile_load_file(d->profile_path, p, &errs);
		if (r < 0 && errs.count == 0)
			log_warn(r, "cannot read profile %s", d->profile_path);
	} else {
		r = profile_load_string(h2box_default_profile_name, h2box_default_profile, p, &errs);
	}
	for (int i = 0; i < errs.count; i++)
		log_crit("%s", errs.msg[i]);
	for (int i = 0; i < errs.nwarnings; i++)
		log_warnx("%s", errs.warning[i]);
	if (r < 0) {
		free(p);
		return r;
	}
	if (d->opts.force_sim)
		p->daemon.sim = true;
	if (d->opts.state_dir)
		snprintf(p->daemon.state_dir, sizeof(p->daemon.state_dir), "%s", d->opts.state_dir);
	profile_sections_finalize(p);
	if (mkdir(p->daemon.state_dir, 0755) < 0 && errno != EEXIST)
		log_warn(errno, "cannot create the state directory %s", p->daemon.state_dir);
	*out = p;
	return 0;
}

static int daemon_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;
	struct profile *np, *old;
	int r;

	log_notice("reloading profile %s", d->profile_path ? d->profile_path : "(built-in)");
	sd_notify(0, "RELOADING=1");
	r = daemon_load_profile(d, &np);
	if (r < 0) {
		log_crit("reload failed: keeping the running profile");
		sd_notify(0, "READY=1");
		return 0;
	}
	if (np->daemon.sim != d->profile->daemon.sim)
		log_warnx("reload: the backend changes only on restart");
	np->daemon.sim = d->profile->daemon.sim;
	if (np->metrics.listen != d->profile->metrics.listen ||
	    strcmp(np->metrics.addr, d->profile->metrics.addr) != 0 ||
	    np->metrics.port != d->profile->metrics.port)
		log_warnx("reload: [metrics] listen changes only on restart");
	/* the new profile's chips exist before its services look for them */
	daemon_i2c_ensure(d->hw, np);
	daemon_services_keep(&d->services, &d->box); /* alarm and page history go across */
	daemon_services_stop(&d->services, &d->box);
	old = d->profile;
	d->profile = np;
	r = daemon_start_services(d);
	if (r < 0) {
		log_warn(r, "reload: services failed with the new profile, back to the old one");
		d->profile = old;
		free(np);
		daemon_start_services(d);
	} else {
		free(old);
		/* a textfile set, changed or dropped by the new profile */
		daemon_metrics_free(d->metrics);
		d->metrics = NULL;
		if (daemon_metrics_new(&d->box, &d->services, daemon_status_json, d, &d->metrics) < 0)
			log_warnx("reload: metrics unavailable");
		log_event(LOG_NOTICE, (const char *[]){ "H2BOX_EVENT=reload", NULL },
			  "profile reloaded");
	}
	sd_notify(0, "READY=1");
	return 0;
}

static int daemon_on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si,
			     void *userdata)
{
	struct daemon *d = userdata;

	log_notice("signal %u: stopping (outputs left safe, box power unchanged)", si->ssi_signo);
	sd_notify(0, "STOPPING=1");
	loop_exit(d->loop, 0);
	return 0;
}

/*
 * A person who started h2boxd in a terminal (`make run`) is told what it runs, where it
 * listens and what to type next; the client is named by the path it has next to h2boxd
 * (build/h2box from make), -s only when the client's default would not find this socket.
 */
static void daemon_print_welcome(struct daemon *d, FILE *f)
{
	char client[512] = "h2box", sockopt[160] = "", defsock[108];
	const char *argv0 = d->opts.argv0, *slash = argv0 ? strrchr(argv0, '/') : NULL;
	const char *sock = ctl_socket_path(d->ctl);

	if (slash) {
		snprintf(client, sizeof(client), "%.*sh2box", (int)(slash - argv0 + 1), argv0);
		if (access(client, X_OK) != 0)
			snprintf(client, sizeof(client), "h2box");
	}
	if (strcmp(sock, wire_default_socket(defsock, sizeof(defsock))) != 0)
		snprintf(sockopt, sizeof(sockopt), " -s %s", sock);
	fprintf(f, "h2boxd: %s %s (profile %s)\n", d->plant ? "simulating" : "supervising",
		d->profile->daemon.name, d->profile->path);
	fprintf(f, "h2boxd: control socket %s\n", sock);
	fprintf(f, "h2boxd: try, in another terminal:\n");
	if (d->plant) {
		fprintf(f, "  %s%s sim button               press the power button\n", client,
			sockopt);
		fprintf(f, "  %s%s status                   power, watts, fan, IB, alarms\n",
			client, sockopt);
		fprintf(f, "  %s%s sim workload iperf3-tx   IB traffic: watch watts and the fan\n",
			client, sockopt);
	} else {
		fprintf(f, "  %s%s status                   power, watts, fan, IB, alarms\n",
			client, sockopt);
		fprintf(f, "  %s%s power on                 switch the box on\n", client, sockopt);
	}
	fprintf(f, "h2boxd: Ctrl-C stops h2boxd%s\n",
		d->plant ? " and the simulated box" : " (the box's power is left as it is)");
	fflush(f);
}

static int daemon_setup(struct daemon *d)
{
	char sockbuf[108];
	const char *sock;
	sd_event *e;
	sigset_t ss;
	int r;

	if (d->profile->daemon.sim) {
		struct sim_plant_config pc = d->profile->sim.plant;

		if (d->opts.sim_speed >= 0)
			pc.speed = d->opts.sim_speed;
		/* with h2boxd on the H2, the front button is the H2's own power button too */
		pc.button_to_host = d->profile->power.topology == POWER_TOPOLOGY_SELF;
		r = sim_plant_new(&pc, &d->plant);
		if (r < 0)
			return log_warn(r, "cannot create the simulated box"), r;
		if (d->profile->sim.workload[0])
			sim_plant_workload_set(d->plant, d->profile->sim.workload);
		r = hw_sim_new(d->plant, &d->hw);
	} else {
		r = hw_linux_new(&d->hw);
	}
	if (r < 0)
		return log_warn(r, "cannot open the hardware backends"), r;
	/* before any service opens a chip: one created now is found at the first look */
	daemon_i2c_ensure(d->hw, d->profile);
	r = loop_new(d->hw, &d->loop);
	if (r < 0)
		return log_warn(r, "cannot create the event loop"), r;
	e = loop_event(d->loop);

	sock = d->opts.socket ? d->opts.socket :
	       getenv("H2BOX_SOCKET") && *getenv("H2BOX_SOCKET") ? getenv("H2BOX_SOCKET") :
	       d->profile->daemon.socket[0] ? d->profile->daemon.socket :
	       wire_default_socket(sockbuf, sizeof(sockbuf));
	r = ctl_new(d->loop, sock, &d->ctl);
	if (r < 0)
		return log_warn(r, "cannot serve the control socket %s", sock), r;
	if (d->opts.admin_group) {
		r = ctl_admin_group_set(d->ctl, d->opts.admin_group);
		if (r < 0)
			return log_warn(r, "--admin-group %s: no such group", d->opts.admin_group), r;
	}
	ctl_command_register(d->ctl, "status", "power, watts, temperatures, fan, IB and alarms",
			     daemon_cmd_status, d);
	if (d->opts.status_line)
		daemon_print_welcome(d, stdout);
	else if (isatty(STDERR_FILENO))
		daemon_print_welcome(d, stderr);
	/* clients may talk before READY=1 (which can wait for the IB card); tests wait for this */
	sd_notify(0, "X_H2BOX_CONTROL=1");

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sd_event_add_signal(e, NULL, SIGTERM, daemon_on_sigterm, d);
	sd_event_add_signal(e, NULL, SIGINT, daemon_on_sigterm, d);
	sd_event_add_signal(e, NULL, SIGHUP, daemon_on_sighup, d);

	d->box.hw = d->hw;
	d->box.loop = d->loop;
	d->box.ctl = d->ctl;
	if (d->profile->metrics.listen) {
		/* before the services, which route their pages on it */
		r = http_new(d->loop, d->profile->metrics.addr, d->profile->metrics.port,
			     &d->box.http);
		if (r < 0)
			return log_warn(r, "[metrics] listen: cannot listen on %s port %d",
					d->profile->metrics.addr, d->profile->metrics.port), r;
		log_info("http: listening on %s port %d", d->profile->metrics.addr,
			 http_port(d->box.http));
	}
	box_hooks_set(&d->box, &(struct box_hooks){ .ready = daemon_on_ready,
						    .cycle_done = daemon_on_cycle_done,
						    .status_json = daemon_status_json,
						    .userdata = d });
	d->box.readings.watts = d->box.readings.volts = d->box.readings.amps = NAN;
	d->box.readings.fan_duty_pct = d->box.readings.fan_rpm = NAN;
	d->box.readings.fan_duty_actual_pct = NAN;
	d->box.readings.ib_tx_gbps = d->box.readings.ib_rx_gbps = NAN;
	d->start_ns = loop_now(d->loop);
	if (d->plant) {
		r = sim_svc_new(&d->box, &d->sim);
		if (r < 0)
			return log_warn(r, "cannot start the sim controls"), r;
	}

	d->starting = true;
	r = daemon_start_services(d);
	if (r < 0)
		return log_warn(r, "cannot start the services"), r;
	r = daemon_metrics_new(&d->box, &d->services, daemon_status_json, d, &d->metrics);
	if (r < 0)
		return log_warn(r, "cannot serve the metrics"), r;

	d->status_period_ns = d->profile->daemon.status_period_ns;
	if (sd_watchdog_enabled(0, &d->watchdog_usec) > 0 &&
	    (int64_t)d->watchdog_usec * 1000 / 2 < d->status_period_ns)
		d->status_period_ns = (int64_t)d->watchdog_usec * 1000 / 2;
	/*
	 * STATUS= only for a service manager that listens, the line only when asked: an idle box
	 * wakes for nothing else.  A real-time timer on the loop's one time source (loop.h).
	 */
	if (getenv("NOTIFY_SOCKET") || d->opts.status_line) {
		r = loop_timer_new_real(d->loop, "status", daemon_on_status_timer, d,
					&d->status_timer);
		if (r < 0)
			return log_warn(r, "cannot start the status timer"), r;
		loop_timer_arm_first(d->status_timer, d->status_period_ns);
	}
	d->starting = false;
	daemon_maybe_ready(d);
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	loop_timer_free(d->status_timer);
	daemon_services_stop(&d->services, &d->box);
	daemon_services_kept_free(&d->services, &d->box);
	daemon_metrics_free(d->metrics);
	http_free(d->box.http);
	if (d->sim)
		sim_svc_free(d->sim);
	ctl_free(d->ctl);
	loop_free(d->loop);
	hw_free(d->hw);
	if (d->plant)
		sim_plant_free(d->plant);
	free(d->profile);
}

/*
 * A one-shot on the profile's real hardware (the shutdown hook, the unit's ExecStartPre=+):
 * fn's -errno is logged as "what failed"; a simulated profile has nothing to act on.
 */
static int daemon_oneshot(const struct daemon_options *o, const char *what, const char *nothing,
			  int (*fn)(struct hw *hw, const struct profile *p))
{
	struct daemon d = { .opts = *o };
	struct profile *p;
	struct hw *hw;
	int r;

	d.profile_path = daemon_profile_path(o);
	if (!d.profile_path || daemon_load_profile(&d, &p) < 0)
		return 1;
	if (p->daemon.sim) {
		log_notice("%s: the profile drives the simulated box; %s", what, nothing);
		free(p);
		return 0;
	}
	r = hw_linux_new(&hw);
	if (r == 0) {
		r = fn(hw, p);
		hw_free(hw);
	}
	if (r < 0)
		log_warn(r, "%s failed", what);
	free(p);
	return r < 0 ? 1 : 0;
}

static int daemon_release_psu_fn(struct hw *hw, const struct profile *p)
{
	return power_release_psu_oneshot(hw, &p->power);
}

int daemon_release_psu(const struct daemon_options *o)
{
	return daemon_oneshot(o, "release-psu", "nothing to release", daemon_release_psu_fn);
}

static int daemon_i2c_instantiate_fn(struct hw *hw, const struct profile *p)
{
	int failed = daemon_i2c_ensure(hw, p);

	return failed ? -EIO : 0; /* each failure is logged with its reason */
}

int daemon_i2c_instantiate(const struct daemon_options *o)
{
	return daemon_oneshot(o, "i2c-instantiate", "nothing to create",
			      daemon_i2c_instantiate_fn);
}

int daemon_run(const struct daemon_options *o)
{
	struct daemon *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return 1;
	d->opts = *o;
	d->tty = isatty(STDOUT_FILENO);
	d->profile_path = daemon_profile_path(o);
	if (!d->profile_path)
		log_notice("no profile named and no %s: running the built-in simulated box (%s)",
			   DAEMON_SYSTEM_PROFILE, h2box_default_profile_name);
	r = daemon_load_profile(d, &d->profile);
	if (r < 0) {
		free(d);
		return 1;
	}
	r = daemon_setup(d);
	if (r == 0)
		r = loop_run(d->loop);
	if (d->opts.status_line && d->tty)
		fputc('\n', stdout);
	daemon_teardown(d);
	free(d);
	return r < 0 ? 1 : r;
}
