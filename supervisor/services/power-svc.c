/* power-svc.c - the power sequencer wired to GPIO, loop timers, the state file and `h2box power`. */
#include "supervisor/services/power-svc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "drivers/atx_psu.h"
#include "drivers/h2_host.h"
#include "drivers/power_button.h"
#include "hw/gpio.h"
#include "hw/host.h"
#include "hw/hw.h"
#include "hw/ib.h"
#include "hw/pci.h"
#include "supervisor/services/alarm.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/parse.h"
#include "supervisor/policy/powerseq.h"
#include "supervisor/util/statefile.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/svc.h"

#define POWER_HISTORY 32
#define MS INT64_C(1000000)
#define MELLANOX_VENDOR 0x15b3
/* The sim's H2 power LED: the stand-in for "the OS finished shutting down" in self topology. */
#define SIM_HOST_ALIVE_LINE "H2_PWR_LED"
/* Inputs queued while one is being applied (NIC/IB answers, re-entrant edges). */
#define POWER_PENDING_MAX 8

struct power_event {
	int64_t mono_ns;
	int64_t real_ns;
	enum powerseq_state from, to;
	enum powerseq_reason reason;
};

struct power_svc {
	struct box *b;
	struct power_config cfg;
	struct powerseq seq;
	bool sim;

	struct atx_psu *psu;
	struct h2_host *host;
	struct power_button *btn;
	struct loop_io *io_psu_ok, *io_alive, *io_button;
	struct loop_timer *timer, *led_timer;

	bool ready_held;
	bool alarm_fault, alarm_drop;

	struct power_event hist[POWER_HISTORY];
	int hist_next, hist_count;
	int64_t state_since_real;

	enum powerseq_led led_mode;
	int led_code, led_step;

	enum powerseq_requested start_requested; /* the state file's, for the start-up log */
	struct powerseq_saved start_saved;       /* the state file as found at start-up */
	enum powerseq_fault file_fault; /* the state file's now (as last read or written) */
	/* the fault restored at start-up, while it is still the one latched */
	enum powerseq_fault restored_fault;
	int64_t restored_fault_ns;
	bool feeding;
	struct powerseq_input pending[POWER_PENDING_MAX];
	int npending;
	char last_error[160];
};

static const char power_usage[] = "usage: power [on|off|cycle|force-off|clear|status]";

/* ---- LED: steady, 1 Hz while busy, N short blinks + pause for a fault ---- */

static void led_timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct power_svc *s = userdata;
	bool lit = false;
	int64_t next = 0;

	switch (s->led_mode) {
	case POWERSEQ_LED_BLINK:
		lit = s->led_step % 2 == 0;
		next = 500 * MS;
		s->led_step = (s->led_step + 1) % 2;
		break;
	case POWERSEQ_LED_BLINK_CODE: {
		int n = s->led_code > 0 ? s->led_code : 1;

		if (s->led_step < 2 * n) {
			lit = s->led_step % 2 == 0;
			next = lit ? 200 * MS : 300 * MS;
		} else {
			lit = false;
			next = 1500 * MS;
		}
		s->led_step = (s->led_step + 1) % (2 * n + 1);
		break;
	}
	default:
		return;
	}
	if (s->btn)
		power_button_led_set(s->btn, lit);
	loop_timer_arm_in(t, next);
}

static void led_apply(struct power_svc *s, enum powerseq_led mode, int code)
{
	if (mode == s->led_mode && code == s->led_code)
		return;
	s->led_mode = mode;
	s->led_code = code;
	s->led_step = 0;
	if (!s->btn || !power_button_has_led(s->btn))
		return;
	loop_timer_disarm(s->led_timer);
	if (mode == POWERSEQ_LED_OFF || mode == POWERSEQ_LED_ON)
		power_button_led_set(s->btn, mode == POWERSEQ_LED_ON);
	else
		led_timer_fn(s->led_timer, loop_now(s->b->loop), s);
}

/* ---- applying the machine's output ---- */

static void history_push(struct power_svc *s, const struct powerseq_transition *tr)
{
	struct power_event *e = &s->hist[s->hist_next];

	e->mono_ns = tr->at_ns;
	e->real_ns = loop_real_now(s->b->loop) - (loop_now(s->b->loop) - tr->at_ns);
	e->from = tr->from;
	e->to = tr->to;
	e->reason = tr->reason;
	s->hist_next = (s->hist_next + 1) % POWER_HISTORY;
	if (s->hist_count < POWER_HISTORY)
		s->hist_count++;
	s->state_since_real = e->real_ns;
}

/*
 * Start-up found the H2 running with the PSU off (see startup() in powerseq.c): say what was
 * found, what the saved request and restore were, and what follows from them.  True when logged.
 */
static bool log_found_running(struct power_svc *s, const struct powerseq_transition *tr)
{
	char from[48], to[48], reason[64], req[48], restore[48], hold[32], fault[48];
	const char *fields[] = { "H2BOX_EVENT=power-transition", from, to, reason, req, restore,
				 NULL, NULL };
	enum powerseq_fault f = powerseq_fault_get(&s->seq, NULL);
	const char *saved = powerseq_requested_name(s->start_requested);
	const char *rs = power_restore_name(s->cfg.restore);
	/* adopt -> psu_starting happens only there; adopting a powered box is logged as usual */
	bool join = tr->reason == POWERSEQ_R_ADOPT && tr->to == POWERSEQ_PSU_STARTING;

	if (!join && tr->reason != POWERSEQ_R_FINISH_OFF)
		return false;
	snprintf(from, sizeof(from), "H2BOX_FROM=%s", powerseq_state_name(tr->from));
	snprintf(to, sizeof(to), "H2BOX_TO=%s", powerseq_state_name(tr->to));
	snprintf(reason, sizeof(reason), "H2BOX_REASON=%s", powerseq_reason_name(tr->reason));
	snprintf(req, sizeof(req), "H2BOX_REQUESTED=%s", saved);
	snprintf(restore, sizeof(restore), "H2BOX_RESTORE=%s", rs);
	if (tr->reason == POWERSEQ_R_FINISH_OFF && f != POWERSEQ_FAULT_NONE) {
		/* a fault saved before this start: finished off whatever restore says */
		snprintf(fault, sizeof(fault), "H2BOX_FAULT=%s", powerseq_fault_name(f));
		fields[6] = fault;
		log_event(LOG_CRIT, fields,
			  "power: off -> force_off: H2 found running with a fault saved before "
			  "this start (%s): forcing it off whatever restore says (restore = %s; "
			  "PSU left off; holding its power button for up to %s), then the fault "
			  "latches",
			  powerseq_fault_name(f), rs,
			  parse_format_duration(s->cfg.force_off_hold_ns, hold, sizeof(hold)));
	} else if (tr->reason == POWERSEQ_R_FINISH_OFF)
		log_event(LOG_WARNING, fields,
			  "power: off -> force_off: H2 found running with requested off: forcing "
			  "it off (restore = %s; PSU left off; holding its power button for up "
			  "to %s)",
			  rs, parse_format_duration(s->cfg.force_off_hold_ns, hold, sizeof(hold)));
	else
		log_event(LOG_NOTICE, fields,
			  "power: off -> psu_starting: H2 found running with the PSU off "
			  "(requested %s, restore = %s): powering the PSU up to join it",
			  saved, rs);
	return true;
}

static void log_transition(struct power_svc *s, const struct powerseq_transition *tr)
{
	char from[48], to[48], reason[64], fault[48], hold[32];
	const char *fields[] = { "H2BOX_EVENT=power-transition", from, to, reason, fault, NULL };
	enum powerseq_fault f = powerseq_fault_get(&s->seq, NULL);
	/* A fault is named from the moment it is seen; with an own-supply H2 it latches later. */
	bool faulted = tr->to == POWERSEQ_FAULT ||
		       (tr->to == POWERSEQ_FORCE_OFF && f != POWERSEQ_FAULT_NONE);
	int prio = LOG_NOTICE;

	if (log_found_running(s, tr))
		return;
	snprintf(from, sizeof(from), "H2BOX_FROM=%s", powerseq_state_name(tr->from));
	snprintf(to, sizeof(to), "H2BOX_TO=%s", powerseq_state_name(tr->to));
	snprintf(reason, sizeof(reason), "H2BOX_REASON=%s", powerseq_reason_name(tr->reason));
	if (faulted) {
		snprintf(fault, sizeof(fault), "H2BOX_FAULT=%s", powerseq_fault_name(f));
		prio = LOG_CRIT;
	} else {
		fields[4] = NULL;
		if (tr->reason == POWERSEQ_R_LONG_PRESS || tr->reason == POWERSEQ_R_PSU_OK_DROP)
			prio = LOG_CRIT;
		else if (tr->reason == POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT ||
			 tr->reason == POWERSEQ_R_NIC_TIMEOUT ||
			 tr->reason == POWERSEQ_R_IB_TIMEOUT)
			prio = LOG_WARNING;
	}
	if (tr->reason == POWERSEQ_R_LONG_PRESS)
		log_event(prio, fields, "power: %s -> %s: EMERGENCY cut (button held %s)%s",
			  powerseq_state_name(tr->from), powerseq_state_name(tr->to),
			  parse_format_duration(s->cfg.long_press_ns, hold, sizeof(hold)),
			  tr->to == POWERSEQ_FORCE_OFF ? "; the H2 has its own supply: holding "
							 "its power button to force it off"
						       : "");
	else if (faulted && tr->reason == POWERSEQ_R_RESTORED_FAULT)
		log_event(prio, fields,
			  "power: %s -> fault: restored, latched before this start: %s",
			  powerseq_state_name(tr->from), powerseq_fault_describe(f));
	else if (faulted && tr->to == POWERSEQ_FORCE_OFF)
		log_event(prio, fields,
			  "power: %s -> force_off: %s; PSU cut, the H2 has its own supply: holding "
			  "its power button for up to %s, then the fault latches",
			  powerseq_state_name(tr->from), powerseq_fault_describe(f),
			  parse_format_duration(s->cfg.force_off_hold_ns, hold, sizeof(hold)));
	else if (faulted)
		log_event(prio, fields, "power: %s -> fault: %s", powerseq_state_name(tr->from),
			  powerseq_fault_describe(f));
	else
		log_event(prio, fields, "power: %s -> %s (%s)", powerseq_state_name(tr->from),
			  powerseq_state_name(tr->to), powerseq_reason_name(tr->reason));
}

/* Wall clock (seconds) of a box-time instant in the past, through the loop's two clocks. */
static int64_t box_to_wall_s(struct power_svc *s, int64_t at_ns)
{
	struct loop *l = s->b->loop;

	return (loop_real_now(l) - (loop_now(l) - at_ns)) / 1000000000;
}

/* The state file: the requested state, and the fault from when it is named until cleared. */
static void save_state(struct power_svc *s, const struct powerseq_output *out)
{
	struct powerseq_saved sv = { .requested = out->requested, .fault = out->fault };
	char text[POWERSEQ_SAVED_TEXT_MAX], fault[48];
	int n, e;

	if (sv.requested == POWERSEQ_REQUESTED_UNKNOWN && sv.fault == POWERSEQ_FAULT_NONE)
		return;
	if (sv.fault != POWERSEQ_FAULT_NONE) {
		sv.fault_at_known = true;
		sv.fault_at_s = box_to_wall_s(s, out->fault_ns);
	}
	if (sv.fault != POWERSEQ_FAULT_NONE && sv.fault != s->file_fault) {
		snprintf(fault, sizeof(fault), "H2BOX_FAULT=%s", powerseq_fault_name(sv.fault));
		log_event(LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=power-requested", "H2BOX_REQUESTED=off",
					    "H2BOX_REASON=fault", fault, NULL },
			  "power: %s fault: requested power state set to off and the fault "
			  "saved, so a reload, restart or mains loss brings it back latched and "
			  "leaves the box off (restore = %s) until it is cleared",
			  powerseq_fault_name(sv.fault), power_restore_name(s->cfg.restore));
	} else if (sv.fault == POWERSEQ_FAULT_NONE && s->file_fault != POWERSEQ_FAULT_NONE) {
		snprintf(fault, sizeof(fault), "H2BOX_FAULT=%s",
			 powerseq_fault_name(s->file_fault));
		log_event(LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=power-fault-cleared", fault, NULL },
			  "power: %s fault cleared: removed from the state file (requested %s)",
			  powerseq_fault_name(s->file_fault),
			  powerseq_requested_name(sv.requested));
	}
	n = powerseq_saved_format(&sv, text, sizeof(text));
	e = n < 0 ? n : statefile_write(s->cfg.state_file, text, (size_t)n);
	if (e < 0) {
		log_warn(e, "power: cannot write %s", s->cfg.state_file);
		return;
	}
	s->file_fault = sv.fault;
}

static bool nic_present(struct power_svc *s)
{
	struct hw_pci_dev devs[4];
	int n = hw_pci_find(s->b->hw, MELLANOX_VENDOR, 0xffff, devs, 4);

	return n > 0;
}

/* Any port ACTIVE on a PCI RDMA device (soft devices such as rxe do not count). */
static bool ib_active(struct power_svc *s)
{
	char names[8][HW_IB_NAME_MAX];
	char slot[32];
	int n = hw_ib_devices(s->b->hw, names, 8);

	if (n > 8)
		n = 8;
	for (int i = 0; i < n; i++) {
		int ports;

		if (hw_ib_device_pci_slot(s->b->hw, names[i], slot, sizeof(slot)) == -ENODEV)
			continue;
		ports = hw_ib_port_count(s->b->hw, names[i]);
		for (int p = 1; p <= ports && p <= 4; p++) {
			struct hw_ib_port_attr a;

			if (hw_ib_port_query(s->b->hw, names[i], p, &a) == 0 && a.state == 4)
				return true;
		}
	}
	return false;
}

/* Self topology: the H2's OS is up, so h2boxd would be running on it (see hw/host.h). */
static bool host_os_up(struct power_svc *s)
{
	return hw_host_os_up(s->b->hw);
}

static void request_poweroff(struct power_svc *s)
{
	char err[160];
	int r;

	/*
	 * logind on a real H2; on the simulator the plant's H2 shuts down, its power
	 * LED then goes out and PS_ON is released as the shutdown hook would (see
	 * alive_changed in powerseq.c).
	 */
	r = hw_host_poweroff(s->b->hw, err, sizeof(err));
	if (r < 0) {
		snprintf(s->last_error, sizeof(s->last_error), "%.150s", err);
		log_warn(r, "power: host power-off failed (%s)", err);
	} else {
		log_notice("power: asked the host's OS to power off");
	}
}

static void queue_input(struct power_svc *s, const struct powerseq_input *in)
{
	if (s->npending == POWER_PENDING_MAX) {
		log_warnx("power: input queue full, dropping an event");
		return;
	}
	s->pending[s->npending++] = *in;
}

static void sync_alarms(struct power_svc *s)
{
	struct box *b = s->b;
	int64_t at;
	enum powerseq_fault f = powerseq_fault_get(&s->seq, &at);
	bool drop = powerseq_psu_drop_alarm(&s->seq);

	if (drop != s->alarm_drop) {
		if (drop)
			alarm_raise(b, "psu-ok-drop", ALARM_CRIT, NAN,
				    "PWR_OK dropped while the box was on");
		else
			alarm_clear(b, "psu-ok-drop");
		s->alarm_drop = drop;
	}
	if ((f != POWERSEQ_FAULT_NONE) != s->alarm_fault) {
		if (f != POWERSEQ_FAULT_NONE)
			/* no measured quantity: the fault's number is the LED's blink code, said so */
			alarm_raise(b, "power-fault", ALARM_CRIT, NAN,
				    "power fault latched: %s (LED blink code %d; `h2box power clear` "
				    "clears it)", powerseq_fault_describe(f), (int)f);
		else
			alarm_clear(b, "power-fault");
		s->alarm_fault = f != POWERSEQ_FAULT_NONE;
	}
}

static void apply(struct power_svc *s, const struct powerseq_output *out)
{
	struct box *b = s->b;
	struct powerseq_input follow = { 0 };
	int r;

	/* Release the H2 button before cutting the PSU, and raise PS_ON before pressing it. */
	if (s->host && h2_host_has_button(s->host) && !out->host_button &&
	    h2_host_button_pressed(s->host)) {
		r = h2_host_button_set(s->host, false);
		if (r < 0)
			log_warn(r, "power: releasing the host button");
	}
	if (out->psu_on != atx_psu_is_on(s->psu)) {
		r = atx_psu_set_on(s->psu, out->psu_on);
		if (r < 0) {
			snprintf(s->last_error, sizeof(s->last_error), "PS_ON: %s", strerror(-r));
			log_warn(r, "power: driving PS_ON %s", out->psu_on ? "on" : "off");
		}
	}
	if (s->host && h2_host_has_button(s->host) && out->host_button &&
	    !h2_host_button_pressed(s->host)) {
		r = h2_host_button_set(s->host, true);
		if (r < 0)
			log_warn(r, "power: pressing the host button");
	}

	for (int i = 0; i < out->ntransitions; i++) {
		log_transition(s, &out->transitions[i]);
		history_push(s, &out->transitions[i]);
	}
	b->readings.power_state = powerseq_state_name(powerseq_state_get(&s->seq));
	b->power_off = !powerseq_powered(&s->seq);
	/* the H2's LED, where wired; without it (self topology) h2boxd runs on a live H2 */
	b->host_off = s->host && h2_host_has_alive(s->host) && h2_host_alive_get(s->host) == 0;
	sync_alarms(s);

	if (out->new_warnings & POWERSEQ_WARN_NIC_MISSING)
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=power-warning", "H2BOX_REASON=nic-missing",
					    NULL },
			  "power: no Mellanox NIC on the PCI bus after start-up; continuing");
	if (out->new_warnings & POWERSEQ_WARN_IB_DOWN)
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=power-warning", "H2BOX_REASON=ib-down",
					    NULL },
			  "power: no IB port became ACTIVE in time; continuing");
	if (out->new_warnings & POWERSEQ_WARN_PSU_OK_LOST)
		log_event(LOG_CRIT,
			  (const char *[]){ "H2BOX_EVENT=power-warning", "H2BOX_REASON=psu-ok-drop",
					    NULL },
			  "power: PWR_OK dropped (pwr_ok_drop_action = ignore)");
	if (out->requests & POWERSEQ_REQ_EMERGENCY)
		log_event(LOG_CRIT, (const char *[]){ "H2BOX_EVENT=power-emergency", NULL },
			  "power: emergency power-off");
	if (out->requests & POWERSEQ_REQ_SAVE)
		save_state(s, out);
	if (out->requests & POWERSEQ_REQ_PCI_RESCAN) {
		r = hw_pci_rescan(b->hw);
		if (r < 0)
			log_warn(r, "power: PCI rescan");
	}
	if (out->requests & POWERSEQ_REQ_NIC_CHECK) {
		follow.event = POWERSEQ_EV_NIC;
		follow.level = nic_present(s);
		queue_input(s, &follow);
	}
	if (out->requests & POWERSEQ_REQ_IB_CHECK) {
		follow.event = POWERSEQ_EV_IB;
		follow.level = ib_active(s);
		queue_input(s, &follow);
	}
	if (out->requests & POWERSEQ_REQ_HOST_CHECK) {
		follow.event = POWERSEQ_EV_HOST_UP;
		follow.level = host_os_up(s);
		queue_input(s, &follow);
	}
	if (out->requests & POWERSEQ_REQ_LOGIND_POWEROFF)
		request_poweroff(s);
	if ((out->requests & POWERSEQ_REQ_READY) && s->ready_held) {
		s->ready_held = false;
		box_ready_release(b);
	}

	led_apply(s, out->led, out->led_code);
	if (out->next_deadline_ns == INT64_MAX)
		loop_timer_disarm(s->timer);
	else
		loop_timer_arm_at(s->timer, out->next_deadline_ns);
}

/* Feed one input (and whatever follow-ups it causes); *res gets the first output. */
static int feed(struct power_svc *s, const struct powerseq_input *in, struct powerseq_output *res)
{
	struct powerseq_output out;
	int r;

	if (s->feeding) {
		queue_input(s, in);
		return 0;
	}
	s->feeding = true;
	r = powerseq_step(&s->seq, in, loop_now(s->b->loop), &out);
	if (res)
		*res = out;
	apply(s, &out);
	for (int guard = 0; s->npending > 0 && guard < 64; guard++) {
		struct powerseq_input next = s->pending[0];

		memmove(s->pending, s->pending + 1, (size_t)(s->npending - 1) * sizeof(next));
		s->npending--;
		powerseq_step(&s->seq, &next, loop_now(s->b->loop), &out);
		apply(s, &out);
	}
	s->feeding = false;
	return r;
}

static void timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_NONE };

	feed(userdata, &in, NULL);
}

static void feed_edge(struct power_svc *s, enum powerseq_event ev, const struct hw_gpio_event *e)
{
	struct powerseq_input in = { .event = ev, .level = e->active, .stamped = true,
				     .ts_ns = e->ts_ns };
	int64_t now = loop_now(s->b->loop);

	/* Edges are often read late (their timestamp is what counts), never early. */
	if (in.ts_ns > now)
		in.ts_ns = now;
	feed(s, &in, NULL);
}

static void psu_ok_io(int fd, void *userdata)
{
	struct power_svc *s = userdata;
	struct hw_gpio_event e;

	while (atx_psu_ok_event_read(s->psu, &e) == 1)
		feed_edge(s, POWERSEQ_EV_PSU_OK, &e);
}

static void alive_io(int fd, void *userdata)
{
	struct power_svc *s = userdata;
	struct hw_gpio_event e;

	while (h2_host_alive_event_read(s->host, &e) == 1)
		feed_edge(s, POWERSEQ_EV_HOST_ALIVE, &e);
}

static void button_io(int fd, void *userdata)
{
	struct power_svc *s = userdata;
	struct hw_gpio_event e;

	while (power_button_event_read(s->btn, &e) == 1)
		feed_edge(s, POWERSEQ_EV_BUTTON, &e);
}

/* ---- status ---- */

static void fmt_ago(char *buf, size_t len, int64_t now, int64_t then)
{
	double sec = (double)(now - then) / 1e9;

	if (sec < 120)
		snprintf(buf, len, "%.1fs ago", sec);
	else if (sec < 7200)
		snprintf(buf, len, "%.0fm ago", sec / 60);
	else
		snprintf(buf, len, "%.1fh ago", sec / 3600);
}

static void fmt_clock(char *buf, size_t len, int64_t real_ns)
{
	time_t t = (time_t)(real_ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

static const struct power_event *hist_at(const struct power_svc *s, int i)
{
	int first = (s->hist_next - s->hist_count + POWER_HISTORY) % POWER_HISTORY;

	return &s->hist[(first + i) % POWER_HISTORY];
}

static int line_level(int v)
{
	return v < 0 ? -1 : v;
}

/* The fault latched now is the one restored at start-up (from before it). */
static bool fault_restored(const struct power_svc *s, enum powerseq_fault f, int64_t at)
{
	return f != POWERSEQ_FAULT_NONE && f == s->restored_fault && at == s->restored_fault_ns;
}

static void status_members(struct power_svc *s, struct json *j, bool history)
{
	int64_t now = loop_now(s->b->loop), at;
	enum powerseq_fault f = powerseq_fault_get(&s->seq, &at);
	unsigned w = powerseq_warnings(&s->seq);
	int v;

	json_string(j, "state", powerseq_state_name(powerseq_state_get(&s->seq)));
	json_string(j, "topology", power_topology_name(s->cfg.topology));
	json_string(j, "host_supply", power_host_supply_name(s->cfg.host_supply));
	json_string(j, "host", powerseq_host_name(powerseq_host_get(&s->seq)));
	json_number(j, "since_s", (double)(now - powerseq_since(&s->seq)) / 1e9, 1);
	json_bool(j, "powered", powerseq_powered(&s->seq));
	json_string(j, "requested", powerseq_requested_name(powerseq_requested_get(&s->seq)));
	json_string(j, "restore", power_restore_name(s->cfg.restore));
	json_bool(j, "psu_on", atx_psu_is_on(s->psu));
	v = line_level(atx_psu_ok_get(s->psu));
	if (v < 0)
		json_null(j, "psu_ok");
	else
		json_bool(j, "psu_ok", v);
	if (s->host && h2_host_has_alive(s->host) && (v = h2_host_alive_get(s->host)) >= 0)
		json_bool(j, "host_alive", v);
	else
		json_null(j, "host_alive");
	if (f != POWERSEQ_FAULT_NONE) {
		json_object_begin(j, "fault");
		json_string(j, "reason", powerseq_fault_name(f));
		/* false while the H2 on its own supply is still being forced off */
		json_bool(j, "latched", powerseq_state_get(&s->seq) == POWERSEQ_FAULT);
		json_string(j, "description", powerseq_fault_describe(f));
		json_int(j, "blink_code", (int64_t)f);
		json_number(j, "age_s", (double)(now - at) / 1e9, 1);
		/* latched before this start and restored from the state file */
		json_bool(j, "restored", fault_restored(s, f, at));
		json_object_end(j);
	} else {
		json_null(j, "fault");
	}
	f = powerseq_last_fault_get(&s->seq, &at);
	if (f != POWERSEQ_FAULT_NONE) {
		json_object_begin(j, "last_fault");
		json_string(j, "reason", powerseq_fault_name(f));
		json_number(j, "age_s", (double)(now - at) / 1e9, 1);
		json_object_end(j);
	} else {
		json_null(j, "last_fault");
	}
	json_array_begin(j, "warnings");
	if (w & POWERSEQ_WARN_NIC_MISSING)
		json_string(j, NULL, "nic-missing");
	if (w & POWERSEQ_WARN_IB_DOWN)
		json_string(j, NULL, "ib-down");
	if (w & POWERSEQ_WARN_PSU_OK_LOST)
		json_string(j, NULL, "psu-ok-lost");
	json_array_end(j);
	if (s->last_error[0])
		json_string(j, "last_error", s->last_error);
	if (!history)
		return;
	json_array_begin(j, "history");
	for (int i = 0; i < s->hist_count; i++) {
		const struct power_event *e = hist_at(s, i);

		json_object_begin(j, NULL);
		json_number(j, "age_s", (double)(now - e->mono_ns) / 1e9, 1);
		json_time(j, "time", e->real_ns);
		json_string(j, "from", powerseq_state_name(e->from));
		json_string(j, "to", powerseq_state_name(e->to));
		json_string(j, "reason", powerseq_reason_name(e->reason));
		json_object_end(j);
	}
	json_array_end(j);
}

void power_svc_status_json(struct power_svc *s, struct json *j)
{
	json_object_begin(j, "power");
	status_members(s, j, false);
	json_object_end(j);
}

void power_svc_status_text(struct power_svc *s, struct ctl_reply *rep)
{
	int64_t now = loop_now(s->b->loop), at;
	enum powerseq_fault f = powerseq_fault_get(&s->seq, &at);
	char ago[32];

	fmt_ago(ago, sizeof(ago), now, powerseq_since(&s->seq));
	ctl_reply_printf(rep, "power: %s since %s (%s; H2 %s, on %s)\n",
			 powerseq_state_name(powerseq_state_get(&s->seq)), ago,
			 power_topology_name(s->cfg.topology),
			 powerseq_host_name(powerseq_host_get(&s->seq)),
			 s->cfg.host_supply == POWER_HOST_SUPPLY_OWN ? "its own supply" : "the PSU");
	if (f != POWERSEQ_FAULT_NONE)
		ctl_reply_printf(rep, "power fault: %s: %s (h2box power clear)\n",
				 powerseq_fault_name(f), powerseq_fault_describe(f));
}

static void status_text_full(struct power_svc *s, struct ctl_reply *rep)
{
	int64_t now = loop_now(s->b->loop), at;
	enum powerseq_fault f = powerseq_fault_get(&s->seq, &at);
	unsigned w = powerseq_warnings(&s->seq);
	char ago[32], clk[32];
	int ok = atx_psu_ok_get(s->psu);
	int alive = s->host && h2_host_has_alive(s->host) ? h2_host_alive_get(s->host) : -1;

	fmt_ago(ago, sizeof(ago), now, powerseq_since(&s->seq));
	fmt_clock(clk, sizeof(clk), s->state_since_real);
	ctl_reply_printf(rep, "state:      %s since %s (%s)\n",
			 powerseq_state_name(powerseq_state_get(&s->seq)), clk, ago);
	ctl_reply_printf(rep, "topology:   %s (H2 supply: %s)\n",
			 power_topology_name(s->cfg.topology),
			 power_host_supply_name(s->cfg.host_supply));
	ctl_reply_printf(rep, "H2:         %s\n", powerseq_host_name(powerseq_host_get(&s->seq)));
	ctl_reply_printf(rep, "requested:  %s (restore = %s)\n",
			 powerseq_requested_name(powerseq_requested_get(&s->seq)),
			 power_restore_name(s->cfg.restore));
	ctl_reply_printf(rep, "lines:      psu_on=%d psu_ok=%s host_alive=%s\n",
			 atx_psu_is_on(s->psu), ok < 0 ? "?" : ok ? "1" : "0",
			 alive < 0 ? "-" : alive ? "1" : "0");
	if (f != POWERSEQ_FAULT_NONE) {
		fmt_ago(ago, sizeof(ago), now, at);
		ctl_reply_printf(rep, "fault:      %s: %s (latched %s%s; blink code %d; "
				      "h2box power clear)\n",
				 powerseq_fault_name(f), powerseq_fault_describe(f), ago,
				 fault_restored(s, f, at) ? ", before this start" : "", (int)f);
	} else {
		ctl_reply_printf(rep, "fault:      none\n");
	}
	f = powerseq_last_fault_get(&s->seq, &at);
	if (f != POWERSEQ_FAULT_NONE) {
		fmt_ago(ago, sizeof(ago), now, at);
		ctl_reply_printf(rep, "last fault: %s (%s)\n", powerseq_fault_name(f), ago);
	}
	if (w)
		ctl_reply_printf(rep, "warnings:  %s%s%s\n",
				 w & POWERSEQ_WARN_NIC_MISSING ? " nic-missing" : "",
				 w & POWERSEQ_WARN_IB_DOWN ? " ib-down" : "",
				 w & POWERSEQ_WARN_PSU_OK_LOST ? " psu-ok-lost" : "");
	if (s->last_error[0])
		ctl_reply_printf(rep, "last error: %s\n", s->last_error);
	ctl_reply_printf(rep, "history (oldest first):\n");
	for (int i = 0; i < s->hist_count; i++) {
		const struct power_event *e = hist_at(s, i);

		fmt_clock(clk, sizeof(clk), e->real_ns);
		fmt_ago(ago, sizeof(ago), now, e->mono_ns);
		ctl_reply_printf(rep, "  %s (%s)  %s -> %s  [%s]\n", clk, ago,
				 powerseq_state_name(e->from), powerseq_state_name(e->to),
				 powerseq_reason_name(e->reason));
	}
}

/* ---- `h2box power ...` ---- */

static int power_cmd(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	static const struct {
		const char *name;
		enum powerseq_command cmd;
	} cmds[] = {
		{ "on", POWERSEQ_CMD_ON },
		{ "off", POWERSEQ_CMD_OFF },
		{ "cycle", POWERSEQ_CMD_CYCLE },
		{ "force-off", POWERSEQ_CMD_FORCE_OFF },
		{ "clear", POWERSEQ_CMD_CLEAR },
	};
	struct power_svc *s = userdata;
	struct powerseq_input in = { .event = POWERSEQ_EV_COMMAND };
	struct powerseq_output out;
	const char *sub = req->argc >= 2 ? req->argv[1] : "status";
	size_t i;

	if (req->argc > 2) {
		ctl_reply_error(rep, 2, "%s", power_usage);
		return 0;
	}
	if (strcmp(sub, "status") == 0) {
		if (req->json)
			status_members(s, ctl_reply_json(rep), true);
		else
			status_text_full(s, rep);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(sub, cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		ctl_reply_error(rep, 2, "%s", power_usage);
		return 0;
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	in.command = cmds[i].cmd;
	/* Commands come from the loop, never from inside an apply; refuse rather than queue. */
	if (s->feeding || feed(s, &in, &out) < 0) {
		ctl_reply_error(rep, 1, "power %s: sequencer not ready", sub);
		return 0;
	}
	log_info("power %s by uid %u: %s", sub, (unsigned)req->uid, out.reply);
	if (out.reply_status) {
		ctl_reply_error(rep, out.reply_status, "%s", out.reply);
		return 0;
	}
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_string(j, "command", sub);
		json_string(j, "message", out.reply);
		json_string(j, "state", powerseq_state_name(powerseq_state_get(&s->seq)));
	} else {
		ctl_reply_printf(rep, "%s\n", out.reply);
	}
	return 0;
}

int power_svc_request_off(struct power_svc *s, enum powerseq_reason cause, const char *who)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_COMMAND, .command = POWERSEQ_CMD_OFF,
				     .cause = cause };
	struct powerseq_output out;
	char reason[64];

	if (s->feeding)
		return -EBUSY;
	if (feed(s, &in, &out) < 0)
		return -EAGAIN;
	snprintf(reason, sizeof(reason), "H2BOX_REASON=%s", powerseq_reason_name(cause));
	log_event(LOG_CRIT, (const char *[]){ "H2BOX_EVENT=power-emergency-off", reason, NULL },
		  "power: orderly power-off requested by %s: %s", who, out.reply);
	return out.reply_status ? -EALREADY : 0;
}

/* ---- life cycle ---- */

/* The state file as h2boxd left it; whatever is unreadable in it is logged and left out. */
static void load_saved(const struct power_config *cfg, struct powerseq_saved *sv)
{
	char buf[256], name[POWERSEQ_SAVED_NAME_MAX], fault[64];
	int n = statefile_read(cfg->state_file, buf, sizeof(buf));
	unsigned bad;

	memset(sv, 0, sizeof(*sv));
	if (n == -ENOENT)
		return;
	if (n < 0) {
		log_warnx("power: ignoring unreadable state file %s", cfg->state_file);
		return;
	}
	bad = powerseq_saved_parse(buf, sv, name, sizeof(name));
	if ((bad & POWERSEQ_SAVED_BAD_REQUESTED) && sv->fault == POWERSEQ_FAULT_NONE)
		log_warnx("power: ignoring unreadable state file %s", cfg->state_file);
	else if (bad & POWERSEQ_SAVED_BAD_REQUESTED)
		log_warnx("power: state file %s: no readable requested state; its fault decides",
			  cfg->state_file);
	if (bad & POWERSEQ_SAVED_BAD_FAULT) {
		snprintf(fault, sizeof(fault), "H2BOX_FAULT=%s",
			 powerseq_fault_name(POWERSEQ_FAULT_UNKNOWN));
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=power-state-file", fault, NULL },
			  "power: state file %s names an unknown fault '%s': restoring it as a "
			  "generic latched fault (%s)",
			  cfg->state_file, name, powerseq_fault_name(POWERSEQ_FAULT_UNKNOWN));
	}
	if (sv->fault != POWERSEQ_FAULT_NONE && (bad & POWERSEQ_SAVED_BAD_FAULT_AT))
		log_warnx("power: state file %s: no readable time for the fault; its age counts "
			  "from this start", cfg->state_file);
}

/*
 * Start-up with a fault saved before it: say what was found and what became of it (latched
 * again, being latched after the H2 is forced off, or, self with the supply up, not latched).
 */
static void log_restored_fault(struct power_svc *s)
{
	const struct powerseq_saved *sv = &s->start_saved;
	char fault[48], at[48], restore[48], state[48], clk[32];
	const char *fields[] = { "H2BOX_EVENT=power-fault-restored", fault, at, restore, state,
				 NULL };
	enum powerseq_fault f = powerseq_fault_get(&s->seq, NULL);
	enum powerseq_state st = powerseq_state_get(&s->seq);

	if (sv->fault == POWERSEQ_FAULT_NONE)
		return;
	snprintf(fault, sizeof(fault), "H2BOX_FAULT=%s", powerseq_fault_name(sv->fault));
	if (sv->fault_at_known) {
		snprintf(at, sizeof(at), "H2BOX_FAULT_AT=%lld", (long long)sv->fault_at_s);
		fmt_clock(clk, sizeof(clk), sv->fault_at_s * 1000000000);
	} else {
		snprintf(at, sizeof(at), "H2BOX_FAULT_AT=unknown");
		snprintf(clk, sizeof(clk), "an unknown time");
	}
	snprintf(restore, sizeof(restore), "H2BOX_RESTORE=%s", power_restore_name(s->cfg.restore));
	snprintf(state, sizeof(state), "H2BOX_STATE=%s", powerseq_state_name(st));
	if (f == POWERSEQ_FAULT_NONE) {
		fields[0] = "H2BOX_EVENT=power-fault-not-restored";
		log_event(LOG_WARNING, fields,
			  "power: %s fault from before this start (at %s) not latched again: self "
			  "topology with the supply up, which may feed this very H2; kept as the "
			  "last fault and removed from the state file",
			  powerseq_fault_name(sv->fault), clk);
		return;
	}
	log_event(LOG_CRIT, fields,
		  "power: %s fault from before this start (at %s) restored %s: %s; the box stays "
		  "off whatever restore says (restore = %s) until 'h2box power clear' or a press "
		  "of the button", powerseq_fault_name(f), clk,
		  st == POWERSEQ_FAULT ? "latched" : "(latches once the H2 is forced off)",
		  powerseq_fault_describe(f), power_restore_name(s->cfg.restore));
}

static int watch(struct power_svc *s, int fd, loop_io_fn fn, struct loop_io **io)
{
	if (fd < 0)
		return fd;
	return loop_io_add(s->b->loop, fd, fn, s, io);
}

static int open_lines(struct power_svc *s)
{
	const struct power_config *c = &s->cfg;
	bool self = c->topology == POWER_TOPOLOGY_SELF;
	struct atx_psu_config pc = {
		.psu_on = c->psu_on,
		.psu_ok = c->psu_ok,
		.psu_on_active_low = c->psu_on_active_low,
		.psu_on_open_drain = c->psu_on_open_drain,
		.psu_ok_active_low = c->psu_ok_active_low,
	};
	struct h2_host_config hc = {
		.host_button = self ? NULL : c->host_button,
		.host_alive = c->host_alive,
		.host_button_active_low = c->host_button_active_low,
		.host_button_open_drain = c->host_button_open_drain,
		.host_alive_active_low = c->host_alive_active_low,
	};
	struct power_button_config bc = {
		.button = c->button,
		.led = c->button_led,
		.button_active_low = c->button_active_low,
		.button_pull_up = c->button_pull_up,
		.led_active_low = c->button_led_active_low,
	};
	bool lit = true;
	int r;

	/*
	 * In the simulator, self topology watches the sim H2's power LED: when the
	 * sim host has powered off we release PS_ON, modelling the shutdown hook; a
	 * dark H2 means no h2boxd would run yet (see POWERSEQ_REQ_HOST_CHECK).
	 */
	if (self && !hc.host_alive[0] && s->sim)
		hc.host_alive = SIM_HOST_ALIVE_LINE;
	if ((hc.host_button && hc.host_button[0]) || (hc.host_alive && hc.host_alive[0])) {
		r = h2_host_open(s->b->hw, &hc, &s->host);
		if (r < 0) {
			log_warn(r, "power: opening host lines '%s' / '%s'",
				 hc.host_button ? hc.host_button : "", hc.host_alive);
			return r;
		}
		if (h2_host_has_alive(s->host))
			lit = h2_host_alive_get(s->host) != 0;
	}
	/*
	 * self: we run on the H2, so hold the supply on, unless a fault saved before this start
	 * keeps it off or the (simulated) H2 is dark; controller: adopt what PWR_OK says (a
	 * saved fault then releases it).
	 */
	r = atx_psu_open(s->b->hw, &pc,
			 self && lit && s->start_saved.fault == POWERSEQ_FAULT_NONE
				 ? ATX_PSU_INITIAL_ON
				 : ATX_PSU_INITIAL_FOLLOW_OK,
			 &s->psu);
	if (r < 0) {
		log_warn(r, "power: opening PS_ON '%s' / PWR_OK '%s'", c->psu_on, c->psu_ok);
		return r;
	}
	r = power_button_open(s->b->hw, &bc, &s->btn);
	if (r < 0) {
		log_warn(r, "power: opening button '%s' / LED '%s'", c->button, c->button_led);
		return r;
	}
	return 0;
}

int power_svc_new(struct box *b, const struct power_config *cfg, struct power_svc **out)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_STARTUP };
	struct power_svc *s;
	int r, v;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->b = b;
	s->cfg = *cfg;
	s->sim = hw_kind_get(b->hw) == HW_KIND_SIM;
	s->led_mode = POWERSEQ_LED_OFF;
	powerseq_init(&s->seq, cfg);
	load_saved(cfg, &s->start_saved);
	s->file_fault = s->start_saved.fault;
	if (cfg->topology == POWER_TOPOLOGY_SELF) {
		box_ready_hold(b);
		s->ready_held = true;
	}
	r = open_lines(s);
	if (r < 0)
		goto fail;
	r = loop_timer_new(b->loop, "power", timer_fn, s, &s->timer);
	if (r < 0)
		goto fail;
	r = loop_timer_new(b->loop, "power-led", led_timer_fn, s, &s->led_timer);
	if (r < 0)
		goto fail;
	r = watch(s, atx_psu_ok_fd(s->psu), psu_ok_io, &s->io_psu_ok);
	if (r < 0)
		goto fail;
	if (s->host && h2_host_has_alive(s->host)) {
		r = watch(s, h2_host_alive_fd(s->host), alive_io, &s->io_alive);
		if (r < 0)
			goto fail;
	}
	r = watch(s, power_button_fd(s->btn), button_io, &s->io_button);
	if (r < 0)
		goto fail;

	in.last_requested = s->start_saved.requested;
	s->start_requested = in.last_requested;
	in.saved_fault = s->start_saved.fault;
	in.saved_fault_ns = loop_now(b->loop);
	if (in.saved_fault != POWERSEQ_FAULT_NONE && s->start_saved.fault_at_known)
		in.saved_fault_ns -= loop_real_now(b->loop) -
				     s->start_saved.fault_at_s * INT64_C(1000000000);
	/* a time after now (the wall clock went back) is clamped by the sequencer */
	v = atx_psu_ok_get(s->psu);
	in.psu_ok = v > 0;
	in.has_host_alive = s->host && h2_host_has_alive(s->host);
	if (in.has_host_alive)
		in.host_alive = h2_host_alive_get(s->host) > 0;
	in.button = power_button_get(s->btn) > 0;
	log_info("power: %s topology, H2 supply %s, restore = %s, last requested %s, saved fault "
		 "%s, PWR_OK %d",
		 power_topology_name(cfg->topology), power_host_supply_name(cfg->host_supply),
		 power_restore_name(cfg->restore), powerseq_requested_name(in.last_requested),
		 powerseq_fault_name(in.saved_fault), in.psu_ok);
	r = feed(s, &in, NULL);
	if (r < 0)
		goto fail;
	s->restored_fault = powerseq_fault_get(&s->seq, &s->restored_fault_ns);
	log_restored_fault(s);
	r = ctl_command_register(b->ctl, "power", "on|off|cycle|force-off|clear|status: box power",
				 power_cmd, s);
	if (r < 0)
		goto fail;
	*out = s;
	return 0;

fail:
	power_svc_free(s);
	return r;
}

static bool host_button_held(const struct power_svc *s)
{
	return s->host && h2_host_has_button(s->host) && h2_host_button_pressed(s->host);
}

/* Real hardware: wait up to delay_ns for an edge on the power lines and feed what came. */
static void wait_lines(struct power_svc *s, int64_t delay_ns)
{
	struct pollfd fds[3] = {
		{ .fd = atx_psu_ok_fd(s->psu), .events = POLLIN },
		{ .fd = s->host && h2_host_has_alive(s->host) ? h2_host_alive_fd(s->host) : -1,
		  .events = POLLIN },
		{ .fd = power_button_fd(s->btn), .events = POLLIN },
	};
	const loop_io_fn fns[3] = { psu_ok_io, alive_io, button_io };
	int ms = (int)((delay_ns + MS - 1) / MS);

	if (poll(fds, 3, ms < 0 ? 0 : ms) <= 0)
		return; /* timeout, or EINTR: the caller looks at the clock again */
	for (int i = 0; i < 3; i++)
		if (fds[i].fd >= 0 && (fds[i].revents & POLLIN))
			fns[i](fds[i].fd, s);
}

/*
 * Stopping (SIGTERM, or a reload) while the machine holds the H2's power button: finish the
 * press before letting go, rather than release it half way.  A force-off hold cut short is no
 * force-off: to the H2 it is a short press that at most asks its OS to shut down, and with its
 * own supply an emergency off or a PSU fault would be left half done, the H2 running with its
 * NIC unpowered and nobody watching.  So the machine runs on alone, on its own timers and the
 * host_alive edges, until it lets go (the LED went out, or force_off_hold passed; a start or
 * soft-off pulse ends sooner) and its last transitions are logged and saved as usual.  The
 * wait is bounded by force_off_hold (6 s by default, inside the unit's TimeoutStopSec); if the
 * daemon is killed anyway, the next start finds the H2 running with requested off and
 * finishes the off then.  In the simulator virtual time is run forward instead.
 */
static void finish_host_press(struct power_svc *s)
{
	struct loop *l = s->b->loop;
	char state[48], hold[32];
	const char *fields[] = { "H2BOX_EVENT=power-stop-hold", state, NULL };
	int64_t end;

	if (!s->timer || s->feeding || !host_button_held(s))
		return;
	end = loop_now(l) + s->cfg.force_off_hold_ns;
	snprintf(state, sizeof(state), "H2BOX_STATE=%s",
		 powerseq_state_name(powerseq_state_get(&s->seq)));
	log_event(LOG_NOTICE, fields,
		  "power: stopping while holding the H2's power button (%s): finishing the press "
		  "first (at most %s)", powerseq_state_name(powerseq_state_get(&s->seq)),
		  parse_format_duration(s->cfg.force_off_hold_ns, hold, sizeof(hold)));
	while (host_button_held(s)) {
		int64_t now = loop_now(l), until = end;

		if (now >= end)
			break;
		if (loop_timer_armed(s->timer) && loop_timer_deadline(s->timer) < until)
			until = loop_timer_deadline(s->timer);
		if (until < now)
			until = now;
		if (s->sim) {
			/* fires the power timer, the plant's edges and other services in order */
			if (loop_advance(l, until - now) < 0)
				break;
			continue;
		}
		wait_lines(s, until - now);
		if (loop_timer_armed(s->timer) && loop_timer_deadline(s->timer) <= loop_now(l))
			timer_fn(s->timer, loop_now(l), s);
	}
	if (host_button_held(s))
		log_event(LOG_WARNING, fields,
			  "power: letting go of the H2's power button before the machine did (%s)",
			  powerseq_state_name(powerseq_state_get(&s->seq)));
}

void power_svc_free(struct power_svc *s)
{
	if (!s)
		return;
	if (s->b->ctl)
		ctl_command_unregister(s->b->ctl, "power");
	finish_host_press(s);
	loop_io_free(s->io_button);
	loop_io_free(s->io_alive);
	loop_io_free(s->io_psu_ok);
	loop_timer_free(s->led_timer);
	loop_timer_free(s->timer);
	power_button_close(s->btn);
	/* Releases the H2 button (never left pressed); PS_ON keeps its level. */
	h2_host_close(s->host);
	atx_psu_close(s->psu);
	if (s->ready_held)
		box_ready_release(s->b);
	free(s);
}

int power_release_psu_oneshot(struct hw *hw, const struct power_config *cfg)
{
	struct hw_gpio_line *line;
	unsigned flags;
	int r;

	if (cfg->topology != POWER_TOPOLOGY_SELF) {
		log_info("power: --release-psu: controller topology, nothing to do");
		return 0;
	}
	if (!cfg->psu_on[0])
		return -EINVAL;
	flags = (cfg->psu_on_active_low ? HW_GPIO_ACTIVE_LOW : 0) |
		(cfg->psu_on_open_drain ? HW_GPIO_OPEN_DRAIN : 0);
	/* Requesting the line with value 0 is itself the release: no window at "on". */
	r = hw_gpio_line_open(hw, cfg->psu_on, HW_GPIO_OUTPUT, flags, 0, "h2box-release-psu",
			      &line);
	if (r < 0) {
		log_warn(r, "power: --release-psu: opening PS_ON '%s'", cfg->psu_on);
		return r;
	}
	r = hw_gpio_line_set(line, 0);
	if (r < 0)
		log_warn(r, "power: --release-psu: releasing PS_ON");
	else
		log_notice("power: PS_ON released (final step of power-off)");
	hw_gpio_line_close(line);
	return r;
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(power_svc, "power", power, power, true);
