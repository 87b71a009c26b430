/* thermal-svc.h - thermal alarm levels of the box's temperatures and what they ask of others. */
#ifndef H2BOX_THERMAL_SVC_H
#define H2BOX_THERMAL_SVC_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/policy/powerseq.h"
#include "supervisor/policy/thermal.h"

struct box;
struct json;
struct thermal_svc;

/*
 * Reads the box's temperatures (box_temp_find) once per step and keeps one level per
 * [thermal NAME] input (policy/thermal.c decides).  It pushes what the levels ask for:
 *   - the fan floor: fan_svc_floor_set(b->fan, 100, reason) while an input's actions hold "fan", 0 once
 *     none does (called on a change, and once to a fan service that has not heard it yet);
 *   - throttle requests: the throttle handler, called on a change with true/false;
 *   - a power-off request: the power-off handler, once per emergency.
 * It uses no other service's functions but the fan's floor setter.
 */
/* cause: POWERSEQ_R_THERMAL_EMERGENCY or POWERSEQ_R_BLIND; who: the text for the journal */
typedef void (*thermal_svc_poweroff_fn)(void *userdata, enum powerseq_reason cause,
					const char *who);
typedef void (*thermal_svc_throttle_fn)(void *userdata, bool wanted);

int thermal_svc_new(struct box *b, const struct thermal_config *cfg, int n,
		    struct thermal_svc **out);
void thermal_svc_free(struct thermal_svc *t);
/* One step over the latest readings (the watts sampler drives it at its cadence). */
void thermal_svc_step(struct thermal_svc *t, int64_t now_ns);
void thermal_svc_poweroff_handler_set(struct thermal_svc *t, thermal_svc_poweroff_fn fn,
				      void *userdata);
void thermal_svc_throttle_handler_set(struct thermal_svc *t, thermal_svc_throttle_fn fn,
				      void *userdata);
/* The fan floor the levels ask for: 100 or 0 (%). */
double thermal_svc_fan_floor(const struct thermal_svc *t);
bool thermal_svc_throttle_wanted(const struct thermal_svc *t);
/* Who asks for it: *temp a level's actions, *blind the blind box (both may). */
void thermal_svc_throttle_why(const struct thermal_svc *t, bool *temp, bool *blind);
/* How many times the floor was pushed to the fan service (tests: pushed on changes only). */
unsigned thermal_svc_floor_pushes(const struct thermal_svc *t);

#endif
