/* plant.c - the simulated H2 box: lifecycle, virtual clock, discrete events and GPIO lines. */
#include "hw/sim/plant-private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest stretch integrated in one go; discrete events always end a step exactly. */
#define PLANT_MAX_STEP_NS SIM_MS(50)
#define HOST_BTN_MIN_NS SIM_MS(50)
#define HOST_BTN_FORCE_NS SIM_S(4)
/* With fault psu-ok-drop the PSU trips this long after PWR_OK rose. */
#define PSU_TRIP_AFTER_NS SIM_S(2)

enum plant_event {
	EV_PSU_OK,
	EV_PSU_DROP,
	EV_FRONT_RELEASE,
	EV_HBTN_BOOT,
	EV_HBTN_FORCE,
	EV_BURST_END,
	EV_BOOT_DONE,
	EV_STOP_DONE,
	EV_LINK_UP,
	EV_COUNT,
};

static const char *const line_names[] = {
	[SIM_LINE_PSU_ON_N] = "PSU_ON_N",
	[SIM_LINE_PSU_PWR_OK] = "PSU_PWR_OK",
	[SIM_LINE_PWR_BUTTON] = "PWR_BUTTON",
	[SIM_LINE_PWR_LED] = "PWR_LED",
	[SIM_LINE_H2_PWR_BTN] = "H2_PWR_BTN",
	[SIM_LINE_H2_PWR_LED] = "H2_PWR_LED",
};
_Static_assert(sizeof(line_names) / sizeof(line_names[0]) == SIM_LINE_COUNT,
	       "one name per enum sim_line");

void sim_plant_config_defaults(struct sim_plant_config *cfg, enum sim_build build)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->build = build;
	cfg->ambient_c = 25.0;
	cfg->speed = 1.0;
	cfg->psu_ok_delay_ns = SIM_MS(300);
	cfg->host_boot_ns = SIM_S(30);
	cfg->host_shutdown_ns = SIM_S(8);
	cfg->link_up_ns = SIM_S(10);
	cfg->host_starts_on_power = false;
	cfg->host_on_own_supply = build == SIM_BUILD_BRICK;
	cfg->seed = 0;
}

/* The one place that reads a real clock. */
static int64_t plant_clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

/* ---- discrete events ---- */

static int64_t *plant_event_slot(struct sim_plant *p, enum plant_event ev)
{
	switch (ev) {
	case EV_PSU_OK: return &p->psu_ok_at;
	case EV_PSU_DROP: return &p->psu_drop_at;
	case EV_FRONT_RELEASE: return &p->front_release_at;
	case EV_HBTN_BOOT: return &p->hbtn_boot_at;
	case EV_HBTN_FORCE: return &p->hbtn_force_at;
	case EV_BURST_END: return &p->burst_end_at;
	case EV_BOOT_DONE: return &p->boot_done_at;
	case EV_STOP_DONE: return &p->stop_done_at;
	case EV_LINK_UP:
	default: return &p->link_up_at;
	}
}

static int64_t plant_next_event_at(struct sim_plant *p, enum plant_event *which)
{
	int64_t best = SIM_NEVER;

	for (int ev = 0; ev < EV_COUNT; ev++) {
		int64_t t = *plant_event_slot(p, (enum plant_event)ev);

		if (t < best) {
			best = t;
			if (which)
				*which = (enum plant_event)ev;
		}
	}
	return best;
}

static int plant_input_level(const struct sim_plant *p, enum sim_line line)
{
	switch (line) {
	case SIM_LINE_PSU_PWR_OK: return p->psu_ok;
	case SIM_LINE_PWR_BUTTON: return !p->front_pressed;
	case SIM_LINE_H2_PWR_LED: return p->host != SIM_HOST_OFF;
	default: return p->out_level[line];
	}
}

/* Report every input whose level changed, at the current virtual time. */
static void plant_inputs_sync(struct sim_plant *p)
{
	static const enum sim_line inputs[] = {
		SIM_LINE_PSU_PWR_OK, SIM_LINE_PWR_BUTTON, SIM_LINE_H2_PWR_LED,
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		enum sim_line l = inputs[i];
		int level = plant_input_level(p, l);

		if (level == p->in_level[l])
			continue;
		p->in_level[l] = level;
		if (p->edge_fn)
			p->edge_fn(p->edge_data, l, level, p->now);
	}
}

static void host_boot(struct sim_plant *p)
{
	p->host = SIM_HOST_BOOTING;
	p->host_boot_t0 = p->now;
	p->burst_end_at = p->cal->burst_ns < p->cfg.host_boot_ns ? p->now + p->cal->burst_ns
								   : SIM_NEVER;
	p->boot_done_at = p->now + p->cfg.host_boot_ns;
	p->stop_done_at = SIM_NEVER;
}

static void host_off(struct sim_plant *p)
{
	p->host = SIM_HOST_OFF;
	p->burst_end_at = p->boot_done_at = p->stop_done_at = SIM_NEVER;
}

void plant_host_shutdown(struct sim_plant *p)
{
	p->host = SIM_HOST_STOPPING;
	p->stop_done_at = p->fault[SIM_FAULT_HOST_HANG_SHUTDOWN]
				  ? SIM_NEVER : p->now + p->cfg.host_shutdown_ns;
}

/* Apply the consequences of supplies, host state and link after any change. */
void plant_settle(struct sim_plant *p)
{
	bool host_pwr = p->cfg.host_on_own_supply || p->psu_ok;
	bool want_link;

	if (!host_pwr && p->host != SIM_HOST_OFF)
		host_off(p); /* its supply vanished: dead at once */
	if (host_pwr && !p->host_powered && p->cfg.host_starts_on_power &&
	    p->host == SIM_HOST_OFF && !p->fault[SIM_FAULT_HOST_NO_BOOT])
		host_boot(p);
	p->host_powered = host_pwr;
	if (p->psu_ok != p->nic_powered) {
		p->nic_powered = p->psu_ok;
		if (!p->nic_powered)
			plant_counters_reset(p); /* the card comes back from reset */
	}
	want_link = p->nic_powered && p->host == SIM_HOST_ON;
	if (!want_link) {
		p->link_up = false;
		p->link_up_at = SIM_NEVER;
	} else if (!p->link_up && p->link_up_at == SIM_NEVER) {
		p->link_up_at = p->now + p->cfg.link_up_ns;
	}
	plant_rates_update(p);
	plant_inputs_sync(p);
}

static void plant_h2_btn(struct sim_plant *p, int level);

static void plant_event_fire(struct sim_plant *p, enum plant_event ev)
{
	switch (ev) {
	case EV_PSU_OK:
		if (p->psu_on && !p->psu_ok && !p->fault[SIM_FAULT_PSU_OK_TIMEOUT]) {
			p->psu_ok = true;
			if (p->fault[SIM_FAULT_PSU_OK_DROP])
				p->psu_drop_at = p->now + PSU_TRIP_AFTER_NS;
		}
		break;
	case EV_PSU_DROP:
		if (p->psu_ok) {
			p->psu_ok = false;
			p->psu_latched = true;
		}
		break;
	case EV_FRONT_RELEASE:
		p->front_pressed = false;
		plant_host_header_sync(p);
		break;
	case EV_HBTN_BOOT:
		if (p->hbtn_pressed && p->host_powered && p->host == SIM_HOST_OFF) {
			p->hbtn_consumed = true;
			if (!p->fault[SIM_FAULT_HOST_NO_BOOT])
				host_boot(p);
		}
		break;
	case EV_HBTN_FORCE:
		if (p->hbtn_pressed && p->host != SIM_HOST_OFF) {
			host_off(p);
			p->hbtn_consumed = true;
		}
		break;
	case EV_BURST_END:
		break; /* only the power changes, plant_host_w() sees it */
	case EV_BOOT_DONE:
		if (p->host == SIM_HOST_BOOTING)
			p->host = SIM_HOST_ON;
		break;
	case EV_STOP_DONE:
		if (p->host == SIM_HOST_STOPPING)
			host_off(p);
		break;
	case EV_LINK_UP:
		if (p->nic_powered && p->host == SIM_HOST_ON)
			p->link_up = true;
		break;
	case EV_COUNT:
		break;
	}
}

/* Fire every event due at or before now, in time order (ties in enum order). */
void plant_fire_due(struct sim_plant *p)
{
	for (;;) {
		enum plant_event ev = EV_COUNT;
		int64_t t = plant_next_event_at(p, &ev);

		if (t > p->now)
			break;
		*plant_event_slot(p, ev) = SIM_NEVER;
		plant_event_fire(p, ev);
		plant_settle(p);
	}
}

static void plant_run_to(struct sim_plant *p, int64_t t)
{
	plant_fire_due(p);
	while (p->now < t) {
		int64_t next = plant_next_event_at(p, NULL);

		if (next > t)
			next = t;
		if (next > p->now + PLANT_MAX_STEP_NS)
			next = p->now + PLANT_MAX_STEP_NS;
		plant_physics_step(p, next);
		plant_fire_due(p);
	}
}

/* ---- lifecycle ---- */

int sim_plant_new(const struct sim_plant_config *cfg, struct sim_plant **out)
{
	struct sim_plant *p;

	if (cfg->build != SIM_BUILD_SFX && cfg->build != SIM_BUILD_BRICK)
		return -EINVAL;
	if (!(cfg->ambient_c >= -40 && cfg->ambient_c <= 80) || !(cfg->speed >= 0) ||
	    !isfinite(cfg->speed))
		return -EINVAL;
	if (cfg->psu_ok_delay_ns <= 0 || cfg->psu_ok_delay_ns > SIM_S(10) ||
	    cfg->host_boot_ns <= 0 || cfg->host_boot_ns > SIM_S(3600) ||
	    cfg->host_shutdown_ns <= 0 || cfg->host_shutdown_ns > SIM_S(3600) ||
	    cfg->link_up_ns < 0 || cfg->link_up_ns > SIM_S(3600))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	p->cal = sim_calib_get(cfg->build);
	plant_derive_calibration(p);
	p->speed = cfg->speed;
	p->horizon = SIM_NEVER;
	p->base_real = plant_clock_read(CLOCK_MONOTONIC);
	p->real_offset = plant_clock_read(CLOCK_REALTIME);
	p->out_level[SIM_LINE_PSU_ON_N] = 1; /* pulled up: PSU off */
	p->in_level[SIM_LINE_PWR_BUTTON] = 1;
	for (int ev = 0; ev < EV_COUNT; ev++)
		*plant_event_slot(p, (enum plant_event)ev) = SIM_NEVER;
	p->workload = SIM_WL_IDLE;
	p->pwm = 255;       /* the fan controller's power-on default: full speed */
	p->pwm_enable = 2;  /* chip-controlled until a daemon takes over */
	p->ambient_c = p->nic_c = p->cpu_c = p->disk_c = cfg->ambient_c;
	plant_monitor_reset(p);
	if (cfg->host_running) {
		/* h2boxd itself runs on the H2, so the H2 is up before the daemon starts; without
		 * its own supply it runs from the PSU, which therefore is on too */
		if (!cfg->host_on_own_supply) {
			p->psu_on = true;
			p->psu_ok = true;
			p->out_level[SIM_LINE_PSU_ON_N] = 0;
		}
		p->host = SIM_HOST_ON;
		p->host_powered = true;
	}
	plant_settle(p);
	plant_fire_due(p);
	*out = p;
	return 0;
}

void sim_plant_free(struct sim_plant *p)
{
	free(p);
}

/* ---- virtual clock ---- */

static void plant_rebase(struct sim_plant *p)
{
	p->base_virt = p->now;
	p->base_real = plant_clock_read(CLOCK_MONOTONIC);
}

void plant_sync(struct sim_plant *p)
{
	int64_t t;

	if (!(p->speed > 0))
		return;
	t = p->base_virt +
	    (int64_t)((double)(plant_clock_read(CLOCK_MONOTONIC) - p->base_real) * p->speed);
	if (t >= p->horizon) {
		/* wait at the horizon; once it moves, time runs on from here, not from where
		 * the real clock would have put it */
		if (p->horizon > p->now)
			plant_run_to(p, p->horizon);
		plant_rebase(p);
		return;
	}
	if (t > p->now)
		plant_run_to(p, t);
}

void sim_plant_horizon_set(struct sim_plant *p, int64_t t)
{
	plant_sync(p);
	p->horizon = t;
}

int64_t sim_plant_now(struct sim_plant *p)
{
	plant_sync(p);
	return p->now;
}

int sim_plant_advance_to(struct sim_plant *p, int64_t mono_ns)
{
	plant_sync(p);
	if (mono_ns <= p->now)
		return 0; /* time never goes backwards */
	plant_run_to(p, mono_ns);
	if (p->speed > 0)
		plant_rebase(p);
	return 0;
}

double sim_plant_speed(const struct sim_plant *p)
{
	return p->speed;
}

int sim_plant_set_speed(struct sim_plant *p, double speed)
{
	if (!(speed >= 0) || !isfinite(speed))
		return -EINVAL;
	plant_sync(p);
	plant_rebase(p);
	p->speed = speed;
	return 0;
}

int64_t sim_plant_real_ns(struct sim_plant *p)
{
	plant_sync(p);
	return p->real_offset + p->now;
}

void sim_plant_set_real_ns(struct sim_plant *p, int64_t real_ns)
{
	plant_sync(p);
	p->real_offset = real_ns - p->now;
}

int64_t sim_plant_next_event(struct sim_plant *p)
{
	plant_sync(p);
	return plant_next_event_at(p, NULL);
}

/* ---- lines ---- */

int sim_plant_line_lookup(const char *name)
{
	for (int i = 0; name && i < SIM_LINE_COUNT; i++)
		if (strcmp(name, line_names[i]) == 0)
			return i;
	return -ENOENT;
}

const char *sim_plant_line_name(enum sim_line line)
{
	return (unsigned)line < SIM_LINE_COUNT ? line_names[line] : NULL;
}

bool sim_plant_line_is_output(enum sim_line line)
{
	return line == SIM_LINE_PSU_ON_N || line == SIM_LINE_PWR_LED ||
	       line == SIM_LINE_H2_PWR_BTN;
}

int sim_plant_line_get(struct sim_plant *p, enum sim_line line)
{
	if ((unsigned)line >= SIM_LINE_COUNT)
		return -EINVAL;
	plant_sync(p);
	return plant_input_level(p, line);
}

static void plant_psu_on_n(struct sim_plant *p, int level)
{
	if (level == 0) {
		p->psu_on = true;
		p->psu_latched = false;
		p->psu_ok_at = p->fault[SIM_FAULT_PSU_OK_TIMEOUT] ? SIM_NEVER
								 : p->now + p->cfg.psu_ok_delay_ns;
	} else {
		p->psu_on = false;
		p->psu_ok = false; /* PWR_OK drops at once */
		p->psu_latched = false;
		p->psu_ok_at = p->psu_drop_at = SIM_NEVER;
	}
}

static void plant_h2_btn(struct sim_plant *p, int level)
{
	if (level) {
		p->hbtn_pressed = true;
		p->hbtn_consumed = false;
		p->hbtn_press_at = p->now;
		p->hbtn_boot_at = p->now + HOST_BTN_MIN_NS;
		p->hbtn_force_at = p->now + HOST_BTN_FORCE_NS;
		return;
	}
	p->hbtn_pressed = false;
	p->hbtn_boot_at = p->hbtn_force_at = SIM_NEVER;
	/* a short press of a running host asks the OS to shut down (ACPI) */
	if (!p->hbtn_consumed && p->now - p->hbtn_press_at >= HOST_BTN_MIN_NS &&
	    p->host == SIM_HOST_ON)
		plant_host_shutdown(p);
}

void plant_host_header_sync(struct sim_plant *p)
{
	bool pressed = p->out_level[SIM_LINE_H2_PWR_BTN] ||
		       (p->cfg.button_to_host && p->front_pressed);

	if (pressed != p->hbtn_pressed)
		plant_h2_btn(p, pressed);
}

int sim_plant_line_set(struct sim_plant *p, enum sim_line line, int level)
{
	if ((unsigned)line >= SIM_LINE_COUNT)
		return -EINVAL;
	if (!sim_plant_line_is_output(line))
		return -EPERM;
	plant_sync(p);
	level = level ? 1 : 0;
	if (p->out_level[line] == level)
		return 0;
	p->out_level[line] = level;
	if (line == SIM_LINE_PSU_ON_N)
		plant_psu_on_n(p, level);
	else if (line == SIM_LINE_H2_PWR_BTN)
		plant_host_header_sync(p);
	plant_settle(p);
	plant_fire_due(p);
	return 0;
}

void sim_plant_edge_listener_set(struct sim_plant *p, sim_plant_edge_fn fn, void *userdata)
{
	p->edge_fn = fn;
	p->edge_data = userdata;
}
