/* power-svc.c - the power sequencer wired to GPIO, loop timers, the state file and `h2box power`. */
#include "supervisor/services/power-svc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "drivers/atx_psu.h"
#include "drivers/h2_host.h"
#include "drivers/power_button.h"
#include "hw/clock.h"
#include "hw/gpio.h"
#include "hw/host.h"
#include "hw/hw.h"
#include "supervisor/config/power-config.h"
#include "supervisor/policy/powerseq-saved.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/power-svc-private.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/prom.h"
#include "supervisor/util/statefile.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/svc.h"

/* The state file as h2boxd left it; whatever is unreadable in it is logged and left out. */
static void power_svc_load_saved(const struct power_config *cfg, struct powerseq_saved *sv)
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
static void power_svc_log_restored_fault(struct power_svc *s)
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
		power_status_fmt_clock(clk, sizeof(clk), sv->fault_at_s * HW_NSEC_PER_SEC);
	} else {
		snprintf(at, sizeof(at), "H2BOX_FAULT_AT=unknown");
		snprintf(clk, sizeof(clk), "an unknown time");
	}
	snprintf(restore, sizeof(restore), "H2BOX_RESTORE=%s", power_config_restore_name(s->cfg.restore));
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
		  powerseq_fault_describe(f), power_config_restore_name(s->cfg.restore));
}

static int power_svc_watch(struct power_svc *s, int fd, loop_io_fn fn, struct loop_io **io)
{
	if (fd < 0)
		return fd;
	return loop_io_add(s->b->loop, fd, fn, s, io);
}

static int power_svc_open_lines(struct power_svc *s)
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
	 * Self topology without host_alive wired: where the backend shows this machine's own power
	 * LED (the simulator), watch it: once the H2 is down PS_ON is released, as the shutdown
	 * hook would; a dark H2 means no h2boxd would run yet (see POWERSEQ_REQ_HOST_CHECK).
	 */
	if (self && !hc.host_alive[0] && hw_host_alive_line(s->b->hw))
		hc.host_alive = hw_host_alive_line(s->b->hw);
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
	s->led_mode = POWERSEQ_LED_OFF;
	powerseq_init(&s->seq, cfg);
	power_svc_load_saved(cfg, &s->start_saved);
	s->file_fault = s->start_saved.fault;
	if (cfg->topology == POWER_TOPOLOGY_SELF) {
		box_ready_hold(b);
		s->ready_held = true;
	}
	r = power_svc_open_lines(s);
	if (r < 0)
		goto fail;
	r = loop_timer_new(b->loop, "power", power_drive_timer_fn, s, &s->timer);
	if (r < 0)
		goto fail;
	r = loop_timer_new(b->loop, "power-led", power_drive_led_timer_fn, s, &s->led_timer);
	if (r < 0)
		goto fail;
	r = power_svc_watch(s, atx_psu_ok_fd(s->psu), power_drive_psu_ok_io, &s->io_psu_ok);
	if (r < 0)
		goto fail;
	if (s->host && h2_host_has_alive(s->host)) {
		r = power_svc_watch(s, h2_host_alive_fd(s->host), power_drive_alive_io, &s->io_alive);
		if (r < 0)
			goto fail;
	}
	r = power_svc_watch(s, power_button_fd(s->btn), power_drive_button_io, &s->io_button);
	if (r < 0)
		goto fail;

	in.last_requested = s->start_saved.requested;
	s->start_requested = in.last_requested;
	in.saved_fault = s->start_saved.fault;
	in.saved_fault_ns = loop_now(b->loop);
	if (in.saved_fault != POWERSEQ_FAULT_NONE && s->start_saved.fault_at_known)
		in.saved_fault_ns -= loop_real_now(b->loop) -
				     s->start_saved.fault_at_s * HW_NSEC_PER_SEC;
	/* a time after now (the wall clock went back) is clamped by the sequencer */
	v = atx_psu_ok_get(s->psu);
	in.psu_ok = v > 0;
	in.has_host_alive = s->host && h2_host_has_alive(s->host);
	if (in.has_host_alive)
		in.host_alive = h2_host_alive_get(s->host) > 0;
	in.button = power_button_get(s->btn) > 0;
	log_info("power: %s topology, H2 supply %s, restore = %s, last requested %s, saved fault "
		 "%s, PWR_OK %d",
		 power_config_topology_name(cfg->topology), power_config_host_supply_name(cfg->host_supply),
		 power_config_restore_name(cfg->restore), powerseq_requested_name(in.last_requested),
		 powerseq_fault_name(in.saved_fault), in.psu_ok);
	r = power_drive_feed(s, &in, NULL);
	if (r < 0)
		goto fail;
	s->restored_fault = powerseq_fault_get(&s->seq, &s->restored_fault_ns);
	power_svc_log_restored_fault(s);
	r = ctl_command_register(b->ctl, "power", "on|off|cycle|force-off|clear|status: box power",
				 power_verbs_cmd, s);
	if (r < 0)
		goto fail;
	*out = s;
	return 0;

fail:
	power_svc_free(s);
	return r;
}

void power_svc_status_json(struct power_svc *s, struct json *j)
{
	power_status_json(s, j);
}

void power_svc_status_text(struct power_svc *s, struct ctl_reply *rep)
{
	power_status_text(s, rep);
}

int power_svc_request_off(struct power_svc *s, enum powerseq_reason cause, const char *who)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_COMMAND, .command = POWERSEQ_CMD_OFF,
				     .cause = cause };
	struct powerseq_output out;
	char reason[64];

	if (s->feeding)
		return -EBUSY;
	if (power_drive_feed(s, &in, &out) < 0)
		return -EAGAIN;
	snprintf(reason, sizeof(reason), "H2BOX_REASON=%s", powerseq_reason_name(cause));
	log_event(LOG_CRIT, (const char *[]){ "H2BOX_EVENT=power-emergency-off", reason, NULL },
		  "power: orderly power-off requested by %s: %s", who, out.reply);
	return out.reply_status ? -EALREADY : 0;
}

static bool power_svc_host_button_held(const struct power_svc *s)
{
	return s->host && h2_host_has_button(s->host) && h2_host_button_pressed(s->host);
}

/* Real hardware: wait up to delay_ns for an edge on the power lines and feed what came. */
static void power_svc_wait_lines(struct power_svc *s, int64_t delay_ns)
{
	struct pollfd fds[3] = {
		{ .fd = atx_psu_ok_fd(s->psu), .events = POLLIN },
		{ .fd = s->host && h2_host_has_alive(s->host) ? h2_host_alive_fd(s->host) : -1,
		  .events = POLLIN },
		{ .fd = power_button_fd(s->btn), .events = POLLIN },
	};
	const loop_io_fn fns[3] = { power_drive_psu_ok_io, power_drive_alive_io, power_drive_button_io };
	int ms = (int)((delay_ns + HW_NSEC_PER_MSEC - 1) / HW_NSEC_PER_MSEC);

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
 * finishes the off then.  On virtual time (the simulator) the loop runs time forward instead.
 */
static void power_svc_finish_host_press(struct power_svc *s)
{
	struct loop *l = s->b->loop;
	char state[48], hold[32];
	const char *fields[] = { "H2BOX_EVENT=power-stop-hold", state, NULL };
	int64_t end;
	int r;

	if (!s->timer || s->feeding || !power_svc_host_button_held(s))
		return;
	end = loop_now(l) + s->cfg.force_off_hold_ns;
	snprintf(state, sizeof(state), "H2BOX_STATE=%s",
		 powerseq_state_name(powerseq_state_get(&s->seq)));
	log_event(LOG_NOTICE, fields,
		  "power: stopping while holding the H2's power button (%s): finishing the press "
		  "first (at most %s)", powerseq_state_name(powerseq_state_get(&s->seq)),
		  parse_format_duration(s->cfg.force_off_hold_ns, hold, sizeof(hold)));
	while (power_svc_host_button_held(s)) {
		int64_t now = loop_now(l), until = end;

		if (now >= end)
			break;
		if (loop_timer_armed(s->timer) && loop_timer_deadline(s->timer) < until)
			until = loop_timer_deadline(s->timer);
		if (until < now)
			until = now;
		/*
		 * A loop on virtual time runs it forward, which fires the power timer, the plant's
		 * edges and other services in order; a loop on real time cannot (-ENOTSUP), and
		 * the power lines alone are waited on.
		 */
		r = loop_advance(l, until - now);
		if (r == 0)
			continue;
		if (r != -ENOTSUP)
			break;
		power_svc_wait_lines(s, until - now);
		if (loop_timer_armed(s->timer) && loop_timer_deadline(s->timer) <= loop_now(l))
			power_drive_timer_fn(s->timer, loop_now(l), s);
	}
	if (power_svc_host_button_held(s))
		log_event(LOG_WARNING, fields,
			  "power: letting go of the H2's power button before the machine did (%s)",
			  powerseq_state_name(powerseq_state_get(&s->seq)));
}

void power_svc_free(struct power_svc *s)
{
	if (!s)
		return;
	ctl_command_unregister(s->b->ctl, "power");
	power_svc_finish_host_press(s);
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
/* The sequencer's state as a state set (one 1, the others 0) and whether a fault is latched. */
void power_svc_metrics(struct power_svc *s, struct prom *p)
{
	enum powerseq_state st = powerseq_state_get(&s->seq);
	enum powerseq_fault f;
	int64_t at;

	prom_family(p, "h2box_power_state", PROM_GAUGE,
		    "The power sequencer's state: 1 for the current one, 0 for the others.");
	prom_family(p, "h2box_power_fault_latched", PROM_GAUGE,
		    "A power fault is latched until `h2box power clear` (1), by fault name.");
	for (int i = 0; i < POWERSEQ_STATE_COUNT; i++)
		prom_sample(p, "h2box_power_state", i == (int)st, "state",
			    powerseq_state_name((enum powerseq_state)i), NULL);
	f = powerseq_fault_get(&s->seq, &at);
	prom_sample(p, "h2box_power_fault_latched", f != POWERSEQ_FAULT_NONE, "fault",
		    f != POWERSEQ_FAULT_NONE ? powerseq_fault_name(f) : NULL, NULL);
}

SVC_OPS_DEFINE(power_svc, "power", power, power, true);
