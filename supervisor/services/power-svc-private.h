/* power-svc-private.h - the power service's state, shared by its wiring, drive, status, verbs. */
#ifndef H2BOX_POWER_SVC_PRIVATE_H
#define H2BOX_POWER_SVC_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/policy/powerseq.h"
#include "supervisor/policy/powerseq-saved.h"
#include "supervisor/services/power-svc.h"

struct box;
struct json;
struct loop_io;
struct loop_timer;
struct ctl_request;
struct ctl_reply;
struct atx_psu;
struct h2_host;
struct power_button;

/* Transitions kept for `power status`. */
#define POWER_HISTORY 32
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

	struct atx_psu *psu;
	struct h2_host *host;
	struct power_button *btn;
	struct loop_io *io_psu_ok, *io_alive, *io_button;
	struct loop_timer *timer, *led_timer;

	bool ready_held;
	bool alarm_fault, alarm_drop;
	bool alarm_forced; /* "power-forced-off" raised: the H2 forced off, not yet off */

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

/* ---- power-drive.c ---- */

/* Feed one input (and whatever follow-ups it causes); *res (may be NULL) gets the first output. */
int power_drive_feed(struct power_svc *s, const struct powerseq_input *in,
		     struct powerseq_output *res);
/* Loop callbacks; userdata is the service. */
void power_drive_timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata);
void power_drive_led_timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata);
void power_drive_psu_ok_io(int fd, void *userdata);
void power_drive_alive_io(int fd, void *userdata);
void power_drive_button_io(int fd, void *userdata);

/* ---- power-status.c ---- */

void power_status_json(struct power_svc *s, struct json *j);
void power_status_text(struct power_svc *s, struct ctl_reply *rep);
/* The members of the status object; history adds the transitions (`power status`). */
void power_status_members(struct power_svc *s, struct json *j, bool history);
void power_status_text_full(struct power_svc *s, struct ctl_reply *rep);
/* Local wall-clock time "YYYY-MM-DD HH:MM:SS" of a CLOCK_REALTIME instant. */
void power_status_fmt_clock(char *buf, size_t len, int64_t real_ns);

/* ---- power-verbs.c ---- */

/* The ctl verb "power" (userdata: the service). */
int power_verbs_cmd(const struct ctl_request *req, struct ctl_reply *rep, void *userdata);

#endif
