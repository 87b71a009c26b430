/* box.h - the daemon's shared context: hw, loop, control socket, profile and the services. */
#ifndef H2BOX_BOX_H
#define H2BOX_BOX_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * What has no power is unknown, not failed. The power service publishes two flags in `struct box`
 * after every sequencer step: `power_off` (the sequencer has the box off: the PSU's side, the
 * NIC, its fan and IB) and `host_off` (the H2's power LED is dark; without that line, in the self
 * topology, h2boxd runs on a live H2). Which side a temperature input measures is configured
 * (`[input] powered_by = psu|host|always`, from the plant: the SFX feeds the NIC in both builds,
 * the H2 runs on the SFX or its own brick). The fan service reads no unpowered input: it
 * publishes it with `box_temp_set_off()` (`NAN`, `off = true`) and fanctl counts it neither valid
 * nor failed, so it raises no failsafe and no sensor alarm; a box with every input off still gets
 * the failsafe duty, and power-on starts from the failsafe as before. An off input sends its
 * thermal level straight back to ok (`thermal_power_off()`, while a `NAN` reading keeps the
 * level: a failed sensor must not lower cooling), the budget governor undoes its whole ladder and
 * returns to ok while the box is off and the H2 down (the ladder throttles the H2; an H2 running
 * on its own brick with the NIC off is still governed), and the alarms of unpowered parts (fan,
 * temperatures, the PCIe link) are cleared with `alarm_clear_reason(..., "powered off")`, kept in
 * the history. The INA2xx stays read: it answers on the controller's bus with the SFX's rail down
 * (SFX build) and watches the brick, which stays live (brick build), so its 0 W is a reading, not
 * a stale value.
 */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

struct hw;
struct loop;
struct ctl;
struct json;
struct profile;
struct power_svc;
struct fan_svc;
struct watts_svc;
struct ib_svc;
struct alarm_svc;
struct history_svc;
struct http;
struct mqtt_svc;

/*
 * What the daemon does when a service reports: installed once at start (box_hooks_set), so
 * services call box_*() and never the daemon.  Either function may be NULL.
 */
struct box_hooks {
	void (*ready)(void *userdata);                      /* the last readiness hold went */
	void (*cycle_done)(void *userdata, int64_t now_ns); /* a healthy control cycle ended */
	/* the members of `h2box --json status` into an open object (one builder for all) */
	void (*status_json)(void *userdata, struct json *j);
	void *userdata;
};

#define BOX_TEMPS_MAX 8
#define BOX_NAME_MAX 32

/*
 * The latest readings, shared between services.  Every number is NAN when
 * it is unknown or invalid: a failed sensor never becomes a number.
 */
struct box_temp {
	char name[BOX_NAME_MAX]; /* profile name of the input, e.g. "nic" */
	double celsius;          /* NAN when invalid or stale */
	int64_t updated_ns;      /* box time of the last valid reading, 0 = never */
	bool off;                /* its part is powered off: unknown by design, not a fault */
};

struct box_readings {
	struct box_temp temps[BOX_TEMPS_MAX];
	int ntemps;
	double watts, volts, amps;   /* main monitor (the budgeted rail) */
	double fan_duty_pct, fan_rpm;
	double fan_duty_actual_pct;    /* what the fan chip holds (read back); NAN unknown */
	double ib_tx_gbps, ib_rx_gbps; /* sum over active ports; NAN when unknown */
	const char *budget_state;      /* "ok", "warn", "throttle", "critical" */
	const char *power_state;       /* the sequencer's state name */
};

struct box {
	struct hw *hw;
	struct loop *loop;
	struct ctl *ctl;
	struct http *http; /* the HTTP listener ([metrics] listen), NULL when not configured */
	const struct profile *profile;
	const char *profile_path;
	struct power_svc *power;
	struct fan_svc *fan;
	struct watts_svc *watts;
	struct ib_svc *ib;
	struct alarm_svc *alarms;
	struct history_svc *history;
	struct mqtt_svc *mqtt;
	struct box_readings readings;
	/*
	 * Set by the power service, so others idle quietly and read what is unpowered as unknown.
	 * power_off: the sequencer has the box off (the PSU's rails: NIC, its fan, IB).
	 * host_off: the H2 is down (its power LED is dark): its CPU and disks.  The H2 may run
	 * with the box off (its own brick; the self topology runs on it), and in the SFX build
	 * it goes down with the box.
	 */
	bool power_off;
	bool host_off;
	/* box time of the last completed control cycle (fan loop), for the systemd watchdog */
	int64_t cycle_ns;
	struct box_hooks hooks;
	int ready_holds;
};

/* Helpers for services: a temperature by input name, NAN when unknown. */
double box_temp_get(const struct box *b, const char *name);
/* Update (or add) a named temperature; NAN marks it invalid. */
void box_temp_set(struct box *b, const char *name, double celsius, int64_t now_ns);
/* The input's part is powered off: unknown (NAN), and marked off, which is not a failure. */
void box_temp_set_off(struct box *b, const char *name);
/* The named temperature's entry, NULL if none. */
const struct box_temp *box_temp_find(const struct box *b, const char *name);


/* The daemon's hooks; the box keeps a copy. */
void box_hooks_set(struct box *b, const struct box_hooks *h);

/*
 * Readiness: a service that must finish something before units ordered
 * after h2boxd may start (the self topology waits for the NIC) takes a hold
 * while constructing and releases it later; READY=1 goes out when no hold
 * is left after start-up.
 */
void box_ready_hold(struct box *b);
void box_ready_release(struct box *b);
/* Some service still holds readiness back. */
bool box_ready_held(const struct box *b);
/* A service finished a healthy control cycle: WATCHDOG=1 may be sent. */
void box_cycle_done(struct box *b, int64_t now_ns);
/* The status document's members (`h2box --json status`) into j's open object; 0 or -ENOTSUP. */
int box_status_json(struct box *b, struct json *j);
/* End the event loop: a clean exit (status 0) or a failure exit. */
void box_exit(struct box *b, int code);
#endif
