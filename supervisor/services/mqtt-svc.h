/* mqtt-svc.h - the MQTT service: box state and Home Assistant discovery out, commands in. */
#ifndef H2BOX_MQTT_SVC_H
#define H2BOX_MQTT_SVC_H

#include "supervisor/config/mqtt-config.h"

struct box;
struct json;
struct prom;
struct ctl_reply;
struct svc_ops;
struct mqtt_svc;

/*
 * Off (*out = NULL) without [mqtt] host.  Publishes <base>/state (the `h2box --json status`
 * document) on a change of power state, budget state or alarms and every state_interval, the
 * alarm classes' ON/OFF, and on each (re)connect availability `online`, the retained discovery
 * configs and the current state.  Commands go through the control socket's verbs
 * (ctl_dispatch(), origin "mqtt") when allow_commands = yes; otherwise refused and logged.
 */
int mqtt_svc_new(struct box *b, const struct mqtt_config *cfg, struct mqtt_svc **out);
void mqtt_svc_free(struct mqtt_svc *s);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops mqtt_svc_ops;
/* Its Prometheus families (GET /metrics, `h2box metrics`): connected, commands. */
void mqtt_svc_metrics(struct mqtt_svc *s, struct prom *p);
void mqtt_svc_status_json(struct mqtt_svc *s, struct json *j);
void mqtt_svc_status_text(struct mqtt_svc *s, struct ctl_reply *rep);

#endif
