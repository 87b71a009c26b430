/* power-drive.c - the power sequencer driven: edges and timers fed in, its output applied to the
 * lines, the LED, the alarms, the log and the state file. */
#include "supervisor/services/power-svc-private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "drivers/atx_psu.h"
#include "drivers/h2_host.h"
#include "drivers/nic_pcie.h"
#include "drivers/power_button.h"
#include "hw/clock.h"
#include "hw/gpio.h"
#include "hw/host.h"
#include "hw/ib.h"
#include "hw/pci.h"
#include "supervisor/config/power-config.h"
#include "supervisor/policy/powerseq-saved.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/alarm.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/statefile.h"

/* ---- LED: steady, 1 Hz while busy, N short blinks + pause for a fault ---- */

void power_drive_led_timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct power_svc *s = userdata;
	bool lit = false;
	int64_t next = 0;

	switch (s->led_mode) {
	case POWERSEQ_LED_BLINK:
		lit = s->led_step % 2 == 0;
		next = 500 * HW_NSEC_PER_MSEC;
		s->led_step = (s->led_step + 1) % 2;
		break;
	case POWERSEQ_LED_BLINK_CODE: {
		int n = s->led_code > 0 ? s->led_code : 1;

		if (s->led_step < 2 * n) {
			lit = s->led_step % 2 == 0;
			next = lit ? 200 * HW_NSEC_PER_MSEC : 300 * HW_NSEC_PER_MSEC;
		} else {
			lit = false;
			next = 1500 * HW_NSEC_PER_MSEC;
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

static void power_drive_led_apply(struct power_svc *s, enum powerseq_led mode, int code)
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
		power_drive_led_timer_fn(s->led_timer, loop_now(s->b->loop), s);
}

/* ---- applying the machine's output ---- */

static void power_drive_history_push(struct power_svc *s, const struct powerseq_transition *tr)
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
 * Start-up found the H2 running with the PSU off (see powerseq_startup() in powerseq-start.c):
 * say what was found, what the saved request and restore were, and what follows from them.
 * True when logged.
 */
static bool power_drive_log_found_running(struct power_svc *s, const struct powerseq_transition *tr)
{
	char from[48], to[48], reason[64], req[48], restore[48], hold[32], fault[48];
	const char *fields[] = { "H2BOX_EVENT=power-transition", from, to, reason, req, restore,
				 NULL, NULL };
	enum powerseq_fault f = powerseq_fault_get(&s->seq, NULL);
	const char *saved = powerseq_requested_name(s->start_requested);
	const char *rs = power_config_restore_name(s->cfg.restore);
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

static void power_drive_log_transition(struct power_svc *s, const struct powerseq_transition *tr)
{
	char from[48], to[48], reason[64], fault[48], hold[32];
	const char *fields[] = { "H2BOX_EVENT=power-transition", from, to, reason, fault, NULL };
	enum powerseq_fault f = powerseq_fault_get(&s->seq, NULL);
	/* A fault is named from the moment it is seen; with an own-supply H2 it latches later. */
	bool faulted = tr->to == POWERSEQ_FAULT ||
		       (tr->to == POWERSEQ_FORCE_OFF && f != POWERSEQ_FAULT_NONE);
	int prio = LOG_NOTICE;

	if (power_drive_log_found_running(s, tr))
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
static int64_t power_drive_wall_s(struct power_svc *s, int64_t at_ns)
{
	struct loop *l = s->b->loop;

	return (loop_real_now(l) - (loop_now(l) - at_ns)) / HW_NSEC_PER_SEC;
}

/* The state file: the requested state, and the fault from when it is named until cleared. */
static void power_drive_save_state(struct power_svc *s, const struct powerseq_output *out)
{
	struct powerseq_saved sv = { .requested = out->requested, .fault = out->fault };
	char text[POWERSEQ_SAVED_TEXT_MAX], fault[48];
	int n, e;

	if (sv.requested == POWERSEQ_REQUESTED_UNKNOWN && sv.fault == POWERSEQ_FAULT_NONE)
		return;
	if (sv.fault != POWERSEQ_FAULT_NONE) {
		sv.fault_at_known = true;
		sv.fault_at_s = power_drive_wall_s(s, out->fault_ns);
	}
	if (sv.fault != POWERSEQ_FAULT_NONE && sv.fault != s->file_fault) {
		snprintf(fault, sizeof(fault), "H2BOX_FAULT=%s", powerseq_fault_name(sv.fault));
		log_event(LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=power-requested", "H2BOX_REQUESTED=off",
					    "H2BOX_REASON=fault", fault, NULL },
			  "power: %s fault: requested power state set to off and the fault "
			  "saved, so a reload, restart or mains loss brings it back latched and "
			  "leaves the box off (restore = %s) until it is cleared",
			  powerseq_fault_name(sv.fault), power_config_restore_name(s->cfg.restore));
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

static bool power_drive_nic_present(struct power_svc *s)
{
	struct hw_pci_dev devs[4];
	int n = hw_pci_find(s->b->hw, HW_PCI_VENDOR_MELLANOX, 0xffff, devs, 4);

	return n > 0;
}

/* Any port ACTIVE on a PCI RDMA device (soft devices such as rxe do not count). */
static bool power_drive_ib_active(struct power_svc *s)
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

			if (hw_ib_port_query(s->b->hw, names[i], p, &a) == 0 && a.state == HW_IB_PORT_STATE_ACTIVE)
				return true;
		}
	}
	return false;
}

/* Self topology: the H2's OS is up, so h2boxd would be running on it (see hw/host.h). */
static bool power_drive_host_os_up(struct power_svc *s)
{
	return hw_host_os_up(s->b->hw);
}

static void power_drive_request_poweroff(struct power_svc *s)
{
	char err[160];
	int r;

	/*
	 * logind on a real H2; on the simulator the plant's H2 shuts down, its power
	 * LED then goes out and PS_ON is released as the shutdown hook would (see
	 * powerseq_alive_changed() in powerseq.c).
	 */
	r = hw_host_poweroff(s->b->hw, err, sizeof(err));
	if (r < 0) {
		snprintf(s->last_error, sizeof(s->last_error), "%.150s", err);
		log_warn(r, "power: host power-off failed (%s)", err);
	} else {
		log_notice("power: asked the host's OS to power off");
	}
}

static void power_drive_queue(struct power_svc *s, const struct powerseq_input *in)
{
	if (s->npending == POWER_PENDING_MAX) {
		log_warnx("power: input queue full, dropping an event");
		return;
	}
	s->pending[s->npending++] = *in;
}

static void power_drive_sync_alarms(struct power_svc *s)
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

/*
 * Every escalation to a forced power-off (the soft-off press unanswered, an emergency cut, the
 * thermal service, a start-up finishing an off) cuts a running OS hard: a warning alarm, so the
 * alert command runs too, not only a journal line.  `power force-off` is the user's own choice
 * and is not alarmed.  It clears once the box is off.
 */
static void power_drive_forced_alarm(struct power_svc *s, const struct powerseq_transition *tr)
{
	char hold[32];

	if (tr->to == POWERSEQ_FORCE_OFF && tr->reason != POWERSEQ_R_CMD_FORCE_OFF) {
		alarm_raise(s->b, "power-forced-off", ALARM_WARN, NAN,
			    "the H2 is being forced off (%s): its power button held for up to %s, "
			    "a hard power cut for its OS",
			    powerseq_reason_name(tr->reason),
			    parse_format_duration(s->cfg.force_off_hold_ns, hold, sizeof(hold)));
		s->alarm_forced = true;
	} else if (s->alarm_forced &&
		   (tr->to == POWERSEQ_OFF || tr->to == POWERSEQ_FAULT ||
		    tr->to == POWERSEQ_CYCLE_WAIT)) {
		alarm_clear_reason(s->b, "power-forced-off", "box off");
		s->alarm_forced = false;
	}
}

static void power_drive_apply(struct power_svc *s, const struct powerseq_output *out)
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
		power_drive_log_transition(s, &out->transitions[i]);
		power_drive_forced_alarm(s, &out->transitions[i]);
		power_drive_history_push(s, &out->transitions[i]);
	}
	b->readings.power_state = powerseq_state_name(powerseq_state_get(&s->seq));
	b->power_off = !powerseq_powered(&s->seq);
	/* the H2's LED, where wired; without it (self topology) h2boxd runs on a live H2 */
	b->host_off = s->host && h2_host_has_alive(s->host) && h2_host_alive_get(s->host) == 0;
	power_drive_sync_alarms(s);

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
	if (out->requests & POWERSEQ_REQ_SOFT_OFF_AGAIN)
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=power-soft-off-again", NULL },
			  "power: the H2 did not shut down; it came up less than host_boot_timeout "
			  "before the press and its OS may not have heard it: pressing its power "
			  "button once more before forcing it off");
	if (out->requests & POWERSEQ_REQ_EMERGENCY)
		log_event(LOG_CRIT, (const char *[]){ "H2BOX_EVENT=power-emergency", NULL },
			  "power: emergency power-off");
	if (out->requests & POWERSEQ_REQ_SAVE)
		power_drive_save_state(s, out);
	if (out->requests & POWERSEQ_REQ_PCI_RESCAN) {
		r = hw_pci_rescan(b->hw);
		if (r < 0)
			log_warn(r, "power: PCI rescan");
	}
	if (out->requests & POWERSEQ_REQ_NIC_CHECK) {
		follow.event = POWERSEQ_EV_NIC;
		follow.level = power_drive_nic_present(s);
		power_drive_queue(s, &follow);
	}
	if (out->requests & POWERSEQ_REQ_IB_CHECK) {
		follow.event = POWERSEQ_EV_IB;
		follow.level = power_drive_ib_active(s);
		power_drive_queue(s, &follow);
	}
	if (out->requests & POWERSEQ_REQ_HOST_CHECK) {
		follow.event = POWERSEQ_EV_HOST_UP;
		follow.level = power_drive_host_os_up(s);
		power_drive_queue(s, &follow);
	}
	if (out->requests & POWERSEQ_REQ_LOGIND_POWEROFF)
		power_drive_request_poweroff(s);
	if ((out->requests & POWERSEQ_REQ_READY) && s->ready_held) {
		s->ready_held = false;
		box_ready_release(b);
	}

	power_drive_led_apply(s, out->led, out->led_code);
	if (out->next_deadline_ns == INT64_MAX)
		loop_timer_disarm(s->timer);
	else
		loop_timer_arm_at(s->timer, out->next_deadline_ns);
}

/* Feed one input (and whatever follow-ups it causes); *res gets the first output. */
int power_drive_feed(struct power_svc *s, const struct powerseq_input *in,
		     struct powerseq_output *res)
{
	struct powerseq_output out;
	int r;

	if (s->feeding) {
		power_drive_queue(s, in);
		return 0;
	}
	s->feeding = true;
	r = powerseq_step(&s->seq, in, loop_now(s->b->loop), &out);
	if (res)
		*res = out;
	power_drive_apply(s, &out);
	for (int guard = 0; s->npending > 0 && guard < 64; guard++) {
		struct powerseq_input next = s->pending[0];

		memmove(s->pending, s->pending + 1, (size_t)(s->npending - 1) * sizeof(next));
		s->npending--;
		powerseq_step(&s->seq, &next, loop_now(s->b->loop), &out);
		power_drive_apply(s, &out);
	}
	s->feeding = false;
	return r;
}

void power_drive_timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_NONE };

	power_drive_feed(userdata, &in, NULL);
}

static void power_drive_feed_edge(struct power_svc *s, enum powerseq_event ev,
				  const struct hw_gpio_event *e)
{
	struct powerseq_input in = { .event = ev, .level = e->active, .stamped = true,
				     .ts_ns = e->ts_ns };
	int64_t now = loop_now(s->b->loop);

	/* Edges are often read late (their timestamp is what counts), never early. */
	if (in.ts_ns > now)
		in.ts_ns = now;
	power_drive_feed(s, &in, NULL);
}

void power_drive_psu_ok_io(int fd, void *userdata)
{
	struct power_svc *s = userdata;
	struct hw_gpio_event e;

	while (atx_psu_ok_event_read(s->psu, &e) == 1)
		power_drive_feed_edge(s, POWERSEQ_EV_PSU_OK, &e);
}

void power_drive_alive_io(int fd, void *userdata)
{
	struct power_svc *s = userdata;
	struct hw_gpio_event e;

	while (h2_host_alive_event_read(s->host, &e) == 1)
		power_drive_feed_edge(s, POWERSEQ_EV_HOST_ALIVE, &e);
}

void power_drive_button_io(int fd, void *userdata)
{
	struct power_svc *s = userdata;
	struct hw_gpio_event e;

	while (power_button_event_read(s->btn, &e) == 1)
		power_drive_feed_edge(s, POWERSEQ_EV_BUTTON, &e);
}
