/* powerseq.h - the power sequencer: a pure state machine for the PSU, the H2 and the button. */
#ifndef H2BOX_POWERSEQ_H
#define H2BOX_POWERSEQ_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * Self topology in the simulator: the H2 is already running when h2boxd starts (`[sim]
 * host_running = yes`), or dark (`sim-brick-dark.conf`); the button's power-off goes through
 * `hw/host.h`, whose sim backend shuts the plant's host down, and names the H2's power LED line
 * (`hw_host_alive_line()`) the self topology watches when no `host_alive` is wired (no service
 * asks whether it runs on the simulator), and the systemd-shutdown hook's PS_ON release by the
 * service releasing PS_ON when the host goes down. The front button is wired to the H2's own
 * power-button header as well (`sim_plant_config.button_to_host`, set for the self topology): a
 * press boots a dark H2, a short press of a running one asks its OS to shut down, a 4 s hold
 * forces it off, in hardware. On real hardware h2boxd dies with the H2; the simulator keeps it as
 * an observer of the H2's power LED that does what a daemon started at the H2's boot would: while
 * the H2 is dark nothing runs (presses and commands do nothing; commands answer "press the
 * button"), a lit LED is `host_starting` (the H2 boots, `power.host = booting`), and once its OS
 * is up (`POWERSEQ_REQ_HOST_CHECK`, answered from the plant) the sequencer starts over from the
 * state file as at a daemon start. So "off" in this topology is the H2 down, and a PWR_OK drop
 * names the fault and saves it before the OS powers off; it latches once the H2 is down, and the
 * next boot's h2boxd latches it again.
 *
 * Every power change names its cause. Transitions carry a reason (history, JSON,
 * `H2BOX_REASON=`): the user's commands (`command-off`...), the button, timeouts and faults,
 * start-up (`startup`, `restore`, `adopt`, `finish-off`, `restored-fault`), the H2 itself
 * (`host-started`, `host-poweroff`, `host-off`), and other services' requests, which pass their
 * cause through `power_svc_request_off()` (`thermal-emergency`, `blind`), never a command's name.
 *
 * What feeds the H2 is configured, not guessed (`[power] host_supply = psu|own`; the simulator's
 * `[sim] build` does not set it). In the controller topology with `own` (the brick build)
 * releasing `PS_ON` leaves the H2 running, so every immediate cut (the long press's emergency off
 * above all) and every latched fault go through `force_off`: `PS_ON` is released at once and the
 * H2's power button held until its LED goes out or `force_off_hold` passes. A fault is named at
 * once (alarm, blink code, `fault.latched = false` in the status) and latches when the hold ends.
 * An H2 whose LED is dark is never pressed: a press would start it. The self topology runs on the
 * H2 and does not act on the key; the status names it, so a simulated brick profile must set
 * `own` in either topology.
 *
 * An H2 found running on its own supply with the PSU off (controller, `host_supply = own`, at
 * daemon start: the daemon was stopped or killed during a force-off hold, the hold ran out, or
 * the H2 was started by hand or by its firmware while no daemon watched) is decided by the saved
 * request, not by guessing. Saved `off` (a latched fault, an off or a force-off cut short) with
 * `restore = last` or `off`: the off is finished, the PSU left off and the H2 forced off by
 * holding its power button (`off -> force_off`, reason `finish-off`, logged as "H2 found running
 * with requested off: forcing it off" with `H2BOX_REQUESTED=` and `H2BOX_RESTORE=`), ending off.
 * Saved `on`, no state file, or `restore = on`: the PSU comes up to join the H2 (`off ->
 * psu_starting`, reason `adopt`), ending on. So `restore = off` decides only for a dark box: it
 * never forces off an H2 whose last request was on or is unknown, because the daemon cannot tell
 * mains loss from its own restart and a force-off is a hard power cut for a running OS; `restore
 * = on` joins even after an off, as it powers a dark box on after one. A fault saved in the state
 * file overrides all of this: the off the fault began is finished whatever `restore` says, and
 * the fault latches once the H2 is dark (below). A PSU-fed H2 cannot run with `PWR_OK` down, so
 * there a lit LED still brings the PSU up (unless a fault is saved).
 *
 * Stopping never lets go of a press half way. On SIGTERM (and on a reload, which restarts the
 * service) while the sequencer holds the H2's power button, the hold is finished first, on the
 * sequencer's own timers and `host_alive` edges, bounded by `force_off_hold` (6 s by default,
 * inside the unit's `TimeoutStopSec`), and its last transitions are logged and saved
 * (`H2BOX_EVENT=power-stop-hold`). A hold cut short is no force-off: to the H2 it is a short
 * press, which at most asks its OS to shut down, and an emergency off or a PSU fault would be
 * left half done with the H2 running and nobody watching. A daemon killed anyway leaves the case
 * above for the next start.
 *
 * A latched fault is saved, and comes back latched. The power state file holds `requested=off`
 * and, from the moment the fault is named until it is cleared, `fault=NAME` and `fault_at=`
 * (wall-clock seconds); the save is logged with the fault's name. A SIGHUP reload restarts the
 * power service, and a daemon restart or mains loss starts it afresh: at start-up
 * (`powerseq_restore_fault()` in `powerseq-start.c`) a saved fault latches again whatever
 * `restore` says, even `on`. `PS_ON` is released (a box found powered is cut rather than adopted:
 * the fault's safe state wins), an own-supply H2 found running is forced off first (`finish-off`,
 * then the fault latches), and the alarm, the blink code and `h2box power status` are as before
 * (`fault.restored = true`). It is logged as `H2BOX_EVENT=power-fault-restored` with
 * `H2BOX_FAULT=`, `H2BOX_FAULT_AT=`, `H2BOX_RESTORE=` and `H2BOX_STATE=`. Only `h2box power
 * clear` (or the first press) clears it, which rewrites the file without the fault lines and
 * leaves the box off. A file without a `fault=` line (older versions) has no fault; a `fault=`
 * value that is no known name (garbled, or from a newer version) latches as the generic fault
 * `unknown` (blink code 5), logged, never as no fault. One exception: the self topology with
 * `PWR_OK` up at start does not latch it again (the SFX may feed the very H2 h2boxd runs on); it
 * is logged and kept as the last fault.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * ---- configuration: [power] timings and policy, [gpio] line names ----
 * The types live here (the machine runs on them); parsing them is config/power-config.h's.
 */

enum power_topology {
	POWER_TOPOLOGY_CONTROLLER, /* h2boxd on an always-on board fed from 5VSB */
	POWER_TOPOLOGY_SELF,       /* h2boxd on the H2 itself */
	POWER_TOPOLOGY_COUNT,
};

/*
 * What feeds the H2 (controller topology).  psu: the SFX powers everything, so releasing PS_ON
 * also stops the H2.  own: the H2 runs on its own 15 V brick (the brick build) and PS_ON only
 * switches the NIC's SFX, so an emergency off or a fault must also force the H2 off by holding
 * its power button (force_off_hold).  The self topology runs on the H2 and does not act on it;
 * the status names it either way.
 */
enum power_host_supply {
	POWER_HOST_SUPPLY_PSU,
	POWER_HOST_SUPPLY_OWN,
	POWER_HOST_SUPPLY_COUNT,
};

enum power_restore {
	POWER_RESTORE_OFF,
	POWER_RESTORE_ON,
	POWER_RESTORE_LAST,
	POWER_RESTORE_COUNT,
};

enum power_drop_action {
	POWER_DROP_POWEROFF, /* self: PWR_OK lost while on -> emergency OS power-off */
	POWER_DROP_IGNORE,   /* self: alarm only */
	POWER_DROP_COUNT,
};

#define POWER_LINE_NAME_MAX 64
#define POWER_PATH_MAX 256
/* Slots for remembering the profile line of each key (validation messages). */
#define POWER_CONFIG_KEYS_MAX 48

struct power_config {
	enum power_topology topology;
	enum power_host_supply host_supply;
	enum power_restore restore;
	enum power_drop_action pwr_ok_drop_action;
	bool host_starts_on_power;
	char state_file[POWER_PATH_MAX];

	int64_t psu_ok_timeout_ns;        /* PS_ON -> PWR_OK (ATX: 100-500 ms) */
	int64_t settle_ns;                /* PWR_OK -> host button pulse */
	int64_t host_button_pulse_ns;     /* ACPI power-button press */
	int64_t host_boot_timeout_ns;     /* pulse -> host_alive */
	int64_t host_shutdown_timeout_ns; /* soft-off pulse -> host_alive falls */
	int64_t force_off_hold_ns;        /* host button held to force the H2 off */
	int64_t psu_off_delay_ns;         /* host off -> PS_ON released */
	int64_t long_press_ns;            /* button held this long: emergency PSU cut */
	int64_t debounce_ns;              /* button and host_alive levels must hold this long */
	int64_t cycle_delay_ns;           /* off time of `power cycle` */
	int64_t nic_timeout_ns;           /* self: NIC must appear on the PCI bus within */
	int64_t nic_poll_ns;              /* self: PCI rescan/retry interval */
	int64_t ib_active_timeout_ns;     /* self: IB port ACTIVE within (else a warning) */
	int64_t ib_poll_ns;               /* self: IB port re-check interval */

	/* [gpio]: kernel line names; "" = not wired */
	char psu_on[POWER_LINE_NAME_MAX];
	char psu_ok[POWER_LINE_NAME_MAX];
	char button[POWER_LINE_NAME_MAX];
	char button_led[POWER_LINE_NAME_MAX];
	char host_button[POWER_LINE_NAME_MAX];
	char host_alive[POWER_LINE_NAME_MAX];
	bool psu_on_active_low, psu_on_open_drain, psu_ok_active_low;
	bool button_active_low, button_pull_up, button_led_active_low;
	bool host_button_active_low, host_button_open_drain, host_alive_active_low;

	int lines[POWER_CONFIG_KEYS_MAX]; /* profile line of each key, 0 = default */
	/*
	 * A [power] or [gpio] key was set.  Without either the box has no power sequencing
	 * (a fan-only controller): no lines are required, no power service runs.
	 */
	bool wired;
};

/* ---- the state machine ---- */

enum powerseq_state {
	POWERSEQ_OFF,
	POWERSEQ_PSU_STARTING,  /* PS_ON asserted, waiting for PWR_OK */
	POWERSEQ_NIC_WAIT,      /* self: waiting for the NIC on the PCI bus */
	POWERSEQ_IB_WAIT,       /* self: waiting for an IB port ACTIVE */
	POWERSEQ_HOST_STARTING, /* controller: settle, pulse, wait for host_alive; self (the
				 * simulator, host_alive watched): the H2 boots, h2boxd not yet
				 * started on it */
	POWERSEQ_ON,
	POWERSEQ_HOST_STOPPING, /* controller: soft-off pulse, wait; self: OS power-off asked (after
				 * a PWR_OK drop with the fault named; it latches once the H2 is
				 * down) */
	POWERSEQ_FORCE_OFF,     /* controller: host button held to force the H2 off (with its own
				 * supply also after an emergency cut, before a fault latches,
				 * or at start-up to finish an off that was cut short) */
	POWERSEQ_PSU_STOPPING,  /* waiting psu_off_delay before releasing PS_ON */
	POWERSEQ_CYCLE_WAIT,    /* `power cycle`: off, on again after cycle_delay */
	POWERSEQ_FAULT,         /* latched; outputs off until cleared; requested set to off */
	POWERSEQ_STATE_COUNT,
};

/* Fault reasons; the LED blinks the code (N short blinks, then a pause). */
enum powerseq_fault {
	POWERSEQ_FAULT_NONE = 0,
	POWERSEQ_FAULT_PSU_OK_TIMEOUT = 2,
	POWERSEQ_FAULT_PSU_OK_DROP = 3,
	POWERSEQ_FAULT_HOST_BOOT_TIMEOUT = 4,
	/* Restored from the state file under a name this version does not know (or garbled). */
	POWERSEQ_FAULT_UNKNOWN = 5,
};

enum powerseq_reason {
	POWERSEQ_R_NONE,
	POWERSEQ_R_STARTUP,           /* daemon start: nothing to do */
	POWERSEQ_R_RESTORE,           /* daemon start: restore policy powers on */
	POWERSEQ_R_ADOPT,             /* daemon start: found the box (or just the H2) powered */
	POWERSEQ_R_FINISH_OFF,        /* daemon start: own-supply H2 running, requested off
				       * (or a fault saved): forced off */
	POWERSEQ_R_RESTORED_FAULT,    /* daemon start: a fault saved before it latches again */
	POWERSEQ_R_BUTTON,
	POWERSEQ_R_LONG_PRESS,        /* emergency cut */
	POWERSEQ_R_CMD_ON,
	POWERSEQ_R_CMD_OFF,
	POWERSEQ_R_CMD_CYCLE,
	POWERSEQ_R_CMD_FORCE_OFF,
	POWERSEQ_R_CMD_CLEAR,
	POWERSEQ_R_PSU_OK,            /* PWR_OK came up */
	POWERSEQ_R_PSU_OK_TIMEOUT,
	POWERSEQ_R_PSU_OK_DROP,
	POWERSEQ_R_HOST_ALIVE,        /* host power LED came on */
	POWERSEQ_R_HOST_STARTED,      /* host came up on its own while off */
	POWERSEQ_R_HOST_BOOT_TIMEOUT,
	POWERSEQ_R_HOST_OFF,          /* host power LED went out */
	POWERSEQ_R_HOST_POWEROFF,     /* the host shut down from its own OS */
	POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT,
	POWERSEQ_R_FORCE_OFF_DONE,
	POWERSEQ_R_PSU_OFF_DELAY,
	POWERSEQ_R_CYCLE_DELAY,
	POWERSEQ_R_NIC_PRESENT,
	POWERSEQ_R_NIC_TIMEOUT,
	POWERSEQ_R_IB_ACTIVE,
	POWERSEQ_R_IB_TIMEOUT,
	POWERSEQ_R_THERMAL_EMERGENCY, /* another service's orderly off: the NIC overheated */
	POWERSEQ_R_BLIND,             /* ... the box was blind for [fan] blind_poweroff */
	POWERSEQ_R_COUNT,
};

enum powerseq_event {
	POWERSEQ_EV_NONE,     /* only let time pass (timer expiry) */
	POWERSEQ_EV_STARTUP,  /* first event: initial levels and the last requested state */
	POWERSEQ_EV_BUTTON,   /* raw button edge (level = pressed), debounced here */
	POWERSEQ_EV_PSU_OK,   /* PWR_OK edge */
	POWERSEQ_EV_HOST_ALIVE, /* raw host_alive edge, debounced here */
	POWERSEQ_EV_COMMAND,
	POWERSEQ_EV_NIC,      /* answer to POWERSEQ_REQ_NIC_CHECK: level = present */
	POWERSEQ_EV_IB,       /* answer to POWERSEQ_REQ_IB_CHECK: level = a port is ACTIVE */
	POWERSEQ_EV_HOST_UP,  /* answer to POWERSEQ_REQ_HOST_CHECK: level = the H2's OS is up */
};

enum powerseq_command {
	POWERSEQ_CMD_ON,
	POWERSEQ_CMD_OFF,
	POWERSEQ_CMD_CYCLE,
	POWERSEQ_CMD_FORCE_OFF,
	POWERSEQ_CMD_CLEAR,
};

enum powerseq_requested {
	POWERSEQ_REQUESTED_UNKNOWN, /* no (valid) state file */
	POWERSEQ_REQUESTED_OFF,
	POWERSEQ_REQUESTED_ON,
};

struct powerseq_input {
	enum powerseq_event event;
	bool stamped;    /* ts_ns is valid; otherwise the input happens at now */
	int64_t ts_ns;   /* time of the edge (virtual time may start at 0); never later than now */
	bool level;      /* edges, NIC/IB answers */
	enum powerseq_command command;
	/* EV_COMMAND: the automatic action asking (POWERSEQ_R_THERMAL_EMERGENCY...), recorded as
	 * the transition's reason; POWERSEQ_R_NONE for the user's own command */
	enum powerseq_reason cause;
	/* EV_STARTUP */
	bool psu_ok, host_alive, button;
	bool has_host_alive; /* a host_alive line is wired (always in controller) */
	enum powerseq_requested last_requested;
	/* A fault latched before this start (the state file's), NONE if none, and when it was
	 * named in box time (before ts_ns/now; may be negative: the clock restarted). */
	enum powerseq_fault saved_fault;
	int64_t saved_fault_ns;
};

enum powerseq_led {
	POWERSEQ_LED_OFF,
	POWERSEQ_LED_ON,
	POWERSEQ_LED_BLINK,      /* slow 1 Hz: starting or stopping */
	POWERSEQ_LED_BLINK_CODE, /* fault: led_code short blinks, then a pause */
};

/* Requests for the service (bit flags in powerseq_output.requests). */
#define POWERSEQ_REQ_LOGIND_POWEROFF (1u << 0) /* self: ask the OS to power off */
#define POWERSEQ_REQ_PCI_RESCAN      (1u << 1) /* then check the NIC at the next poll */
#define POWERSEQ_REQ_NIC_CHECK       (1u << 2) /* answer with POWERSEQ_EV_NIC */
#define POWERSEQ_REQ_IB_CHECK        (1u << 3) /* answer with POWERSEQ_EV_IB */
#define POWERSEQ_REQ_READY           (1u << 4) /* self start-up finished (or failed): READY=1 */
#define POWERSEQ_REQ_EMERGENCY       (1u << 5) /* an emergency cut or power-off happened */
#define POWERSEQ_REQ_SAVE            (1u << 6) /* requested state or fault changed: write the
						* state file (powerseq_output.requested, .fault) */
/*
 * Self topology with the H2's power LED watched (only the simulator: on real hardware h2boxd
 * runs on the H2 and never sees it dark).  While the H2 is dark or booting h2boxd stands for
 * a daemon that is not running: it acts on nothing and refuses commands; once the H2's OS is
 * up it starts over as a daemon started at the H2's boot would.  Answer with
 * POWERSEQ_EV_HOST_UP.
 */
#define POWERSEQ_REQ_HOST_CHECK      (1u << 7)
/*
 * Controller: host_shutdown_timeout passed after a soft-off press made while the H2 had been up
 * for less than host_boot_timeout (its OS may still have been booting, deaf to the button):
 * pressed once more and waiting again before forcing it off.  Only to log it.
 */
#define POWERSEQ_REQ_SOFT_OFF_AGAIN  (1u << 8)

#define POWERSEQ_TRANSITIONS_MAX 8
#define POWERSEQ_TEXT_MAX 160

struct powerseq_transition {
	enum powerseq_state from, to;
	enum powerseq_reason reason;
	int64_t at_ns;
};

/* Warnings that do not change state (self start-up timeouts, ignored PWR_OK drop). */
#define POWERSEQ_WARN_NIC_MISSING (1u << 0)
#define POWERSEQ_WARN_IB_DOWN     (1u << 1)
#define POWERSEQ_WARN_PSU_OK_LOST (1u << 2)

struct powerseq_output {
	/* logical levels to drive, every step */
	bool psu_on;
	bool host_button;
	enum powerseq_led led;
	int led_code;
	int64_t next_deadline_ns; /* absolute, INT64_MAX = none */

	struct powerseq_transition transitions[POWERSEQ_TRANSITIONS_MAX];
	int ntransitions;
	unsigned requests;
	unsigned new_warnings;    /* raised in this step */
	enum powerseq_requested requested; /* valid with POWERSEQ_REQ_SAVE */
	enum powerseq_fault fault;         /* ditto: the fault to keep across restarts, or NONE */
	int64_t fault_ns;                  /* ditto: when it was named (box time) */

	/* command reply: status 0 ok, 3 refused/busy; text for the user */
	int reply_status;
	char reply[POWERSEQ_TEXT_MAX];
};

struct powerseq_debounce {
	bool stable;
	bool pending;
	bool pending_level;
	int64_t pending_since;
};

/* The machine's state; callers read it through the accessors. */
struct powerseq {
	struct power_config cfg;
	bool started;
	enum powerseq_state state;
	int phase;
	int64_t since_ns;
	int64_t deadline_ns;  /* state timeout, INT64_MAX = none */
	int64_t poll_ns;      /* next NIC/IB check, INT64_MAX = none */
	int64_t now_ns;       /* time already processed */
	bool psu_on, host_button;
	bool psu_ok, has_host_alive;
	struct powerseq_debounce button, alive;
	bool press_armed;     /* a press seen since start-up, not yet used */
	int64_t press_ts;
	bool cycle_pending;
	bool psu_just_on;     /* self: PWR_OK came up after we switched it on */
	bool ready_sent;
	enum powerseq_fault fault;
	int64_t fault_ns;
	bool fault_pending;   /* force_off: `fault` latches once the H2 is off (own supply) */
	enum powerseq_fault last_fault;
	int64_t last_fault_ns;
	bool psu_drop_alarm;  /* PWR_OK lost (drop alarm active) */
	int64_t lit_ns;       /* the H2's LED came on (edge time); INT64_MIN: found lit, age unknown */
	bool soft_off_again;  /* host_stopping: press once more at the timeout (pressed while young) */
	unsigned warnings;
	enum powerseq_requested requested;
	enum powerseq_fault saved_fault; /* the state file's fault (as last asked to save) */
	int64_t saved_fault_ns;
};

void powerseq_init(struct powerseq *ps, const struct power_config *cfg);
/*
 * Feed one input at now_ns (monotonic, never going backwards).  Edges carry
 * their own timestamps; timers due before an edge run first.  Fills *out
 * completely.  Returns 0, or -EINVAL for an input that makes no sense (an
 * event before EV_STARTUP, a timestamp in the future).
 */
int powerseq_step(struct powerseq *ps, const struct powerseq_input *in, int64_t now_ns,
		  struct powerseq_output *out);

enum powerseq_state powerseq_state_get(const struct powerseq *ps);
int64_t powerseq_since(const struct powerseq *ps);
/* The fault: latched in state fault, or about to be while the H2 is forced off (force_off). */
enum powerseq_fault powerseq_fault_get(const struct powerseq *ps, int64_t *at_ns);
enum powerseq_fault powerseq_last_fault_get(const struct powerseq *ps, int64_t *at_ns);
bool powerseq_psu_drop_alarm(const struct powerseq *ps);
unsigned powerseq_warnings(const struct powerseq *ps);
enum powerseq_requested powerseq_requested_get(const struct powerseq *ps);
/*
 * True while the sequencer's side of the box is powered (anything but off, cycle_wait and fault;
 * in the self topology not while the H2 boots either: the SFX, NIC and fan stay off until
 * h2boxd starts on it, so the fan and NIC readings are not watched as if they ran).
 */
bool powerseq_powered(const struct powerseq *ps);
/* The H2 as the machine knows it, for the status: see powerseq_host_name(). */
enum powerseq_host {
	POWERSEQ_H2_UNKNOWN,  /* controller without host_alive: not watched */
	POWERSEQ_H2_OFF,      /* power LED dark */
	POWERSEQ_H2_BOOTING,  /* self: lit, its OS not up yet */
	POWERSEQ_H2_ON,       /* lit (self without host_alive: h2boxd runs on it) */
	POWERSEQ_H2_STOPPING, /* lit, an OS shutdown asked */
};
enum powerseq_host powerseq_host_get(const struct powerseq *ps);
const char *powerseq_host_name(enum powerseq_host h);

const char *powerseq_state_name(enum powerseq_state s);
const char *powerseq_reason_name(enum powerseq_reason r);
const char *powerseq_fault_name(enum powerseq_fault f);
const char *powerseq_fault_describe(enum powerseq_fault f);
const char *powerseq_requested_name(enum powerseq_requested r);
/* "on" / "off" -> value; -EINVAL otherwise. */
int powerseq_requested_parse(const char *s, enum powerseq_requested *out);
/* A fault's name (powerseq_fault_name, "none" excluded) -> value; -EINVAL otherwise. */
int powerseq_fault_parse(const char *s, enum powerseq_fault *out);

#endif
