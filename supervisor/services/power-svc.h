/* power-svc.h - the power sequencer wired to GPIO, loop timers, the state file and `h2box power`. */
#ifndef H2BOX_POWER_SVC_H
#define H2BOX_POWER_SVC_H

#include "supervisor/policy/powerseq.h"

struct svc_ops;
struct box;
struct hw;
struct json;
struct prom;
struct ctl_reply;
struct power_config;
struct power_svc;

/*
 * Opens PS_ON/PWR_OK, the H2 lines and the button, restores the box state
 * (see `restore`), watches edges, and registers the ctl verb "power".  In
 * the self topology it holds READY=1 until the NIC check is done.  0 or -errno.
 */
int power_svc_new(struct box *b, const struct power_config *cfg, struct power_svc **out);
/*
 * SIGTERM path: the box's power is left as it is (PS_ON keeps its level) and
 * the H2 button is released; the button LED is left as it is.
 */
void power_svc_free(struct power_svc *s);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops power_svc_ops;
/* Adds a "power" object to the open status object. */
/* Its Prometheus families (GET /metrics, `h2box metrics`). */
void power_svc_metrics(struct power_svc *s, struct prom *p);
void power_svc_status_json(struct power_svc *s, struct json *j);
/* Lines for `h2box status`. */
void power_svc_status_text(struct power_svc *s, struct ctl_reply *rep);

/*
 * `h2boxd --release-psu`, run by the systemd-shutdown hook as the very last
 * step of poweroff/halt in the self topology: drive PS_ON released so the
 * supply (and with it the NIC and disks, or the whole box) switches off.  A
 * no-op in the controller topology, whose board outlives the H2.  0 or -errno.
 */
/*
 * An orderly power-off asked for by another service: cause names it in the history, the log
 * (H2BOX_REASON) and the JSON (POWERSEQ_R_THERMAL_EMERGENCY...), never as the user's
 * command-off; who is for the log message.  0 or -errno.
 */
int power_svc_request_off(struct power_svc *s, enum powerseq_reason cause, const char *who);
int power_release_psu_oneshot(struct hw *hw, const struct power_config *cfg);

#endif
