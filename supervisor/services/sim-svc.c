/* sim-svc.c - the `h2box sim ...` verbs: operator controls of the simulated box. */
#include "supervisor/services/sim-svc.h"

#include "hw/clock.h"
#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/timefmt.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/parse.h"
#include "supervisor/config/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

struct sim_svc {
	struct box *box;
	struct sim_plant *plant;
};

static const char sim_usage[] =
	"usage: sim button [--hold SECONDS] | workload NAME|--list | ambient CELSIUS | "
	"load WATTS | fault NAME on|off | fault --list | time [HH:MM] | speed FACTOR | "
	"advance DURATION | poweroff | status";

static void sim_list(struct ctl_reply *rep, bool json, const char *key,
		     const char *const *names, const char *(*describe)(const char *),
		     const char *current, bool (*active)(const struct sim_plant *, const char *),
		     const struct sim_plant *p)
{
	if (json) {
		struct json *j = ctl_reply_json(rep);

		json_array_begin(j, key);
		for (int i = 0; names[i]; i++) {
			json_object_begin(j, NULL);
			json_string(j, "name", names[i]);
			json_string(j, "description", describe(names[i]));
			if (active)
				json_bool(j, "active", active(p, names[i]));
			else
				json_bool(j, "current", current && strcmp(current, names[i]) == 0);
			json_object_end(j);
		}
		json_array_end(j);
		return;
	}
	for (int i = 0; names[i]; i++) {
		bool on = active ? active(p, names[i]) : (current && strcmp(current, names[i]) == 0);

		ctl_reply_printf(rep, "%c %-20s %s\n", on ? '*' : ' ', names[i], describe(names[i]));
	}
}

static void sim_truth_json(struct sim_plant *p, struct json *j)
{
	struct sim_plant_truth t;

	sim_plant_truth_get(p, &t);
	json_number(j, "time_s", (double)t.now_ns / 1e9, 3);
	json_bool(j, "psu_on", t.psu_on);
	json_bool(j, "psu_ok", t.psu_ok);
	json_bool(j, "host_on", t.host_on);
	json_bool(j, "host_booting", t.host_booting);
	json_bool(j, "host_stopping", t.host_stopping);
	json_bool(j, "link_up", t.link_up);
	json_bool(j, "button_led", t.button_led);
	/* the H2's power-button header as the controller drives it (a force-off holds it) */
	json_bool(j, "host_button", sim_plant_line_get(p, SIM_LINE_H2_PWR_BTN) == 1);
	json_number(j, "watts", t.monitored_w, 3);
	json_number(j, "volts", t.monitored_v, 3);
	json_number(j, "energy_j", t.energy_j, 3);
	json_number(j, "nic_watts", t.nic_w, 2);
	json_number(j, "nic_temp_c", t.nic_temp_c, 2);
	json_number(j, "cpu_temp_c", t.cpu_temp_c, 2);
	json_number(j, "disk_temp_c", t.disk_temp_c, 2);
	json_number(j, "ambient_c", t.ambient_c, 2);
	json_number(j, "fan_duty_pct", t.fan_duty_pct, 1);
	json_number(j, "fan_rpm", t.fan_rpm, 0);
	json_number(j, "ib_tx_gbps", t.ib_tx_gbps, 3);
	json_number(j, "ib_rx_gbps", t.ib_rx_gbps, 3);
	json_number(j, "rdma_gbps", t.rdma_gbps, 3);
	json_string(j, "workload", t.workload);
	json_number(j, "speed", sim_plant_speed(p), 3);
}

void sim_svc_status_json(struct sim_svc *s, struct json *j)
{
	sim_truth_json(s->plant, j);
}

/* sensor-hang's FIFOs in the state directory: STATE_DIR/sim-sensor-hang.out and .in. */
static int sim_hang_fifos(struct sim_svc *s)
{
	char path[200], fifo[220];

	if (snprintf(path, sizeof(path), "%s/sim-sensor-hang", s->box->profile->daemon.state_dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	for (int i = 0; i < 2; i++) {
		snprintf(fifo, sizeof(fifo), "%s.%s", path, i ? "in" : "out");
		if (mkfifo(fifo, 0600) < 0 && errno != EEXIST)
			return -errno;
	}
	return sim_plant_hang_fifo_set(s->plant, path);
}

static int sim_cmd_time(struct sim_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	struct loop *l = s->box->loop;
	int64_t real = loop_real_now(l);
	time_t secs = (time_t)(real / 1000000000);
	struct tm tm;
	char buf[64], err[128];

	if (req->argc == 3) {
		int minutes;

		if (parse_time_of_day(req->argv[2], &minutes, err, sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "sim time: %s", err);
			return 0;
		}
		/* keep the date, move the local time of day; mktime handles DST */
		localtime_r(&secs, &tm);
		tm.tm_hour = minutes / 60;
		tm.tm_min = minutes % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		secs = mktime(&tm);
		hw_clock_set_real(loop_hw(l), (int64_t)secs * HW_NSEC_PER_SEC);
		log_info("sim: wall clock set to %02d:%02d", minutes / 60, minutes % 60);
		loop_clock_changed(l);
	}
	real = loop_real_now(l);
	secs = (time_t)(real / HW_NSEC_PER_SEC);
	timefmt_local(real, "%Y-%m-%d %H:%M:%S %Z", buf, sizeof(buf));
	if (req->json) {
		json_time(ctl_reply_json(rep), "time", real);
		json_int(ctl_reply_json(rep), "epoch", (int64_t)secs);
	} else {
		ctl_reply_printf(rep, "%s\n", buf);
	}
	return 0;
}

static int sim_handler(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct sim_svc *s = userdata;
	struct sim_plant *p = s->plant;
	const char *sub = req->argc > 1 ? req->argv[1] : "status";
	char err[160];
	int r = 0;

	if (strcmp(sub, "status") == 0 && req->argc <= 2) {
		if (req->json) {
			sim_truth_json(p, ctl_reply_json(rep));
		} else {
			struct sim_plant_truth t;

			sim_plant_truth_get(p, &t);
			ctl_reply_printf(rep,
					 "sim: t=%.1fs psu=%s pwr_ok=%s host=%s link=%s %.2f W %.2f V "
					 "nic %.1f C fan %.0f%% %.0f rpm workload %s\n",
					 (double)t.now_ns / 1e9, t.psu_on ? "on" : "off",
					 t.psu_ok ? "yes" : "no",
					 t.host_booting ? "booting" : t.host_stopping ? "stopping" :
					 t.host_on ? "on" : "off",
					 t.link_up ? "up" : "down", t.monitored_w, t.monitored_v,
					 t.nic_temp_c, t.fan_duty_pct, t.fan_rpm, t.workload);
		}
		return 0;
	}
	if (strcmp(sub, "workload") == 0 && req->argc == 3 && strcmp(req->argv[2], "--list") == 0) {
		sim_list(rep, req->json, "workloads", sim_plant_workload_names(),
			 sim_plant_workload_describe, sim_plant_workload_get(p), NULL, p);
		return 0;
	}
	if (strcmp(sub, "fault") == 0 && req->argc == 3 && strcmp(req->argv[2], "--list") == 0) {
		sim_list(rep, req->json, "faults", sim_plant_fault_names(),
			 sim_plant_fault_describe, NULL, sim_plant_fault_get, p);
		return 0;
	}
	if (strcmp(sub, "time") == 0 && req->argc == 2)
		return sim_cmd_time(s, req, rep);
	if (!ctl_require_privilege(req, rep))
		return 0;

	if (strcmp(sub, "button") == 0) {
		int64_t hold = 200 * INT64_C(1000000);

		if (req->argc == 4 && strcmp(req->argv[2], "--hold") == 0) {
			if (parse_duration_ns(req->argv[3], 0, 60 * INT64_C(1000000000), &hold, err,
					      sizeof(err)) < 0) {
				ctl_reply_error(rep, 2, "sim button --hold: %s", err);
				return 0;
			}
		} else if (req->argc != 2) {
			ctl_reply_error(rep, 2, "usage: sim button [--hold SECONDS]");
			return 0;
		}
		r = sim_plant_button_press(p, hold);
		if (r == 0)
			log_info("sim: button pressed for %.3f s", (double)hold / 1e9);
	} else if (strcmp(sub, "workload") == 0 && req->argc == 3) {
		r = sim_plant_workload_set(p, req->argv[2]);
		if (r == -EINVAL) {
			ctl_reply_error(rep, 2, "unknown workload '%.40s' (h2box sim workload --list)",
					req->argv[2]);
			return 0;
		}
		if (r == 0)
			log_info("sim: workload %s", req->argv[2]);
	} else if (strcmp(sub, "ambient") == 0 && req->argc == 3) {
		double c;

		if (parse_double(req->argv[2], -20, 60, &c, err, sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "sim ambient: %s", err);
			return 0;
		}
		r = sim_plant_ambient_set(p, c);
	} else if (strcmp(sub, "load") == 0 && req->argc == 3) {
		double w;

		if (parse_double(req->argv[2], 0, 200, &w, err, sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "sim load: %s", err);
			return 0;
		}
		r = sim_plant_load_set(p, w);
	} else if (strcmp(sub, "fault") == 0 && req->argc == 4) {
		bool on;

		if (parse_bool(req->argv[3], &on, err, sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "sim fault %.40s: %s", req->argv[2], err);
			return 0;
		}
		if (on && strcmp(req->argv[2], "sensor-hang") == 0) {
			r = sim_hang_fifos(s);
			if (r < 0) {
				ctl_reply_error(rep, 1, "sim fault sensor-hang: cannot create its FIFOs: %s",
						strerror(-r));
				return 0;
			}
		}
		r = sim_plant_fault_set(p, req->argv[2], on);
		if (r == -EINVAL || r == -ENOENT) {
			ctl_reply_error(rep, 2, "unknown fault '%.40s' (h2box sim fault --list)",
					req->argv[2]);
			return 0;
		}
		if (r == 0)
			log_notice("sim: fault %s %s", req->argv[2], on ? "on" : "off");
	} else if (strcmp(sub, "time") == 0 && req->argc == 3) {
		return sim_cmd_time(s, req, rep);
	} else if (strcmp(sub, "speed") == 0 && req->argc == 3) {
		double f;

		if (parse_double(req->argv[2], 0, 10000, &f, err, sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "sim speed: %s", err);
			return 0;
		}
		r = hw_clock_set_speed(s->box->hw, f);
		loop_clock_changed(s->box->loop);
	} else if (strcmp(sub, "advance") == 0 && req->argc == 3) {
		int64_t d;

		if (parse_duration_ns(req->argv[2], 0, 30 * 24 * 3600 * INT64_C(1000000000), &d, err,
				      sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "sim advance: %s", err);
			return 0;
		}
		r = loop_advance(s->box->loop, d);
		if (r == -EBUSY) {
			ctl_reply_error(rep, 3, "busy: an advance is already running");
			return 0;
		}
	} else if (strcmp(sub, "poweroff") == 0 && req->argc == 2) {
		r = sim_plant_host_poweroff(p);
	} else {
		ctl_reply_error(rep, 2, "%s", sim_usage);
		return 0;
	}
	if (r < 0) {
		ctl_reply_error(rep, 1, "sim %s: %s", sub, strerror(-r));
		return 0;
	}
	if (req->json)
		sim_truth_json(p, ctl_reply_json(rep));
	return 0;
}

/*
 * The simulated verbs fabric keeps its own clock while a benchmark runs
 * inline; this hands its elapsed time to the loop so every service's timers
 * run through it (watts samples, fan, budget), as they would on a real box.
 */
static int sim_advance_hook(void *userdata, int64_t dt_ns)
{
	struct sim_svc *s = userdata;

	return loop_advance(s->box->loop, dt_ns);
}

int sim_svc_new(struct box *b, struct sim_svc **out)
{
	struct sim_svc *s;
	int r;

	if (!hw_sim_plant(b->hw))
		return -ENOTSUP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->box = b;
	s->plant = hw_sim_plant(b->hw);
	r = ctl_command_register(b->ctl, "sim", "control the simulated box (h2box sim --help)",
				 sim_handler, s);
	if (r < 0) {
		free(s);
		return r;
	}
	hw_sim_advance_hook_set(b->hw, sim_advance_hook, s);
	*out = s;
	return 0;
}

void sim_svc_free(struct sim_svc *s)
{
	if (!s)
		return;
	ctl_command_unregister(s->box->ctl, "sim");
	hw_sim_advance_hook_set(s->box->hw, NULL, NULL);
	free(s);
}
