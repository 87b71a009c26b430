/* mqtt-svc.c - the MQTT service: state, alarms and discovery out; HA's commands to the verbs. */
#include "supervisor/services/mqtt-svc.h"

#include "h2box-version.h" /* generated from VERSION (build/gen) */
#include "hw/clock.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/runtime/mqtt-client.h"
#include "supervisor/runtime/svc.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/mqtt-discovery.h"
#include "supervisor/util/json.h"
#include "supervisor/util/prom.h"
#include "supervisor/util/statefile.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* how often (box time) the state is checked for a change worth publishing at once */
#define MQTT_SVC_CHECK_NS HW_NSEC_PER_SEC
#define MQTT_SVC_PASSWORD_MAX 256

struct mqtt_svc {
	struct box *b;
	struct mqtt_config cfg;
	struct mqtt_discovery_box disc;
	char node[MQTT_CONFIG_NODE_MAX];
	char base[MQTT_CONFIG_TOPIC_MAX];
	char client_id[64];
	char error[400];           /* why MQTT is off although configured ("" when running) */
	struct mqtt_client *client;
	struct loop_timer *timer;
	char fingerprint[512];     /* power state, budget state, alarms: a change publishes */
	bool alarm_on[MQTT_ALARM_CLASSES];
	int64_t last_state_ns;     /* box time of the last state publish */
	unsigned published, commands, refused;
};

static void mqtt_svc_publish(struct mqtt_svc *s, const char *suffix, const char *payload,
			     size_t len, bool retain)
{
	char topic[MQTT_DISCOVERY_TOPIC_MAX];

	if (mqtt_discovery_topic(&s->disc, suffix, topic, sizeof(topic)) == 0 &&
	    mqtt_client_publish(s->client, topic, payload, len, s->cfg.qos, retain) == 0)
		s->published++;
}

/* Power state, budget state and the active alarms: what must reach Home Assistant at once. */
static void mqtt_svc_fingerprint(struct mqtt_svc *s, char *buf, size_t len,
				 bool on[MQTT_ALARM_CLASSES])
{
	const struct box_readings *r = &s->b->readings;
	enum alarm_level level;
	const char *id;
	size_t n;

	memset(on, 0, sizeof(bool) * MQTT_ALARM_CLASSES);
	n = (size_t)snprintf(buf, len, "%s|%s", r->power_state ? r->power_state : "-",
			     r->budget_state ? r->budget_state : "-");
	for (int i = 0; (id = alarm_svc_active_at(s->b->alarms, i, &level)); i++) {
		on[mqtt_discovery_alarm_class(id)] = true;
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "|%s=%d", id, (int)level);
	}
}

static void mqtt_svc_publish_alarms(struct mqtt_svc *s, const bool on[MQTT_ALARM_CLASSES],
				    bool all)
{
	char suffix[48];

	for (int c = 0; c < MQTT_ALARM_CLASSES; c++) {
		if (!all && on[c] == s->alarm_on[c])
			continue;
		snprintf(suffix, sizeof(suffix), "alarm/%s",
			 mqtt_discovery_alarm_class_name((enum mqtt_alarm_class)c));
		mqtt_svc_publish(s, suffix, on[c] ? "ON" : "OFF", on[c] ? 2 : 3, true);
	}
	memcpy(s->alarm_on, on, sizeof(s->alarm_on));
}

/* The status document, the same one `h2box --json status` returns. */
static void mqtt_svc_publish_state(struct mqtt_svc *s)
{
	struct json *j = json_new();
	const char *doc;
	size_t len;

	if (!j)
		return;
	json_object_begin(j, NULL);
	json_bool(j, "ok", true);
	box_status_json(s->b, j);
	json_object_end(j);
	doc = json_finish(j, &len);
	if (doc)
		mqtt_svc_publish(s, "state", doc, len, true);
	json_free(j);
	s->last_state_ns = loop_now(s->b->loop);
}

/* A change goes out at once, and everything at least every state_interval. */
static void mqtt_svc_check(struct mqtt_svc *s, bool force)
{
	bool on[MQTT_ALARM_CLASSES];
	char fp[sizeof(s->fingerprint)];
	bool changed;

	if (!s->client || !mqtt_client_connected(s->client))
		return;
	mqtt_svc_fingerprint(s, fp, sizeof(fp), on);
	changed = strcmp(fp, s->fingerprint) != 0;
	if (!force && !changed &&
	    loop_now(s->b->loop) - s->last_state_ns < s->cfg.state_interval_ns)
		return;
	/* a slow broker still holding our last state: a periodic refresh waits for it */
	if (!force && !changed && mqtt_client_backlogged(s->client))
		return;
	mqtt_svc_publish_alarms(s, on, force);
	mqtt_svc_publish_state(s);
	snprintf(s->fingerprint, sizeof(s->fingerprint), "%s", fp);
}

static void mqtt_svc_on_timer(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct mqtt_svc *s = userdata;

	mqtt_svc_check(s, false);
	loop_timer_arm_at(t, now_ns + MQTT_SVC_CHECK_NS);
}

/*
 * A node renamed since the last connection (a reload or a restart with another [mqtt] node,
 * base_topic or discovery_prefix) would leave the old name's retained discovery configs on the
 * broker: Home Assistant would show a second, dead device.  The names last published are kept
 * in the state directory; when they differ, every old config, the old availability, state and
 * alarm topics are cleared (an empty retained message deletes one) before the new ones go out.
 */
static void mqtt_svc_forget_renamed(struct mqtt_svc *s)
{
	char path[PATH_MAX], text[1024], now[1024], node[MQTT_CONFIG_NODE_MAX];
	char base[MQTT_CONFIG_TOPIC_MAX];
	char prefix[sizeof(s->cfg.discovery_prefix)], topic[MQTT_DISCOVERY_TOPIC_MAX], suffix[48];
	struct mqtt_discovery_box old = s->disc;
	int n, cleared = 0;
	bool had;

	n = snprintf(path, sizeof(path), "%s/mqtt-published", s->b->profile->daemon.state_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	had = statefile_read(path, text, sizeof(text)) >= 0;
	if (had && statefile_get(text, "node", node, sizeof(node)) == 0 &&
	    statefile_get(text, "base", base, sizeof(base)) == 0 &&
	    statefile_get(text, "prefix", prefix, sizeof(prefix)) == 0) {
		old.node = node;
		old.base = base;
		old.prefix = prefix;
		/* the config topics are named by prefix and node */
		if (strcmp(node, s->node) || strcmp(prefix, s->cfg.discovery_prefix))
			for (int i = 0; i < mqtt_discovery_count(); i++)
				if (mqtt_discovery_config_topic(&old, i, topic, sizeof(topic)) == 0 &&
				    mqtt_client_publish(s->client, topic, "", 0, s->cfg.qos, true) == 0)
					cleared++;
		/* availability, state and the alarm classes live under the base */
		for (int c = -2; strcmp(base, s->base) && c < MQTT_ALARM_CLASSES; c++) {
			if (c == -2)
				snprintf(suffix, sizeof(suffix), "availability");
			else if (c == -1)
				snprintf(suffix, sizeof(suffix), "state");
			else
				snprintf(suffix, sizeof(suffix), "alarm/%s",
					 mqtt_discovery_alarm_class_name((enum mqtt_alarm_class)c));
			if (mqtt_discovery_topic(&old, suffix, topic, sizeof(topic)) == 0 &&
			    mqtt_client_publish(s->client, topic, "", 0, s->cfg.qos, true) == 0)
				cleared++;
		}
		if (cleared)
			log_notice("mqtt: node %s (%s, prefix %s) is now %s: its %d retained topics "
				   "cleared", node, base, prefix, s->node, cleared);
	}
	n = snprintf(now, sizeof(now), "node=%s\nbase=%s\nprefix=%s\n", s->node, s->base,
		     s->cfg.discovery_prefix);
	/* a reconnect under the same names writes nothing (two fsyncs saved) */
	if (n > 0 && (size_t)n < sizeof(now) && (!had || strcmp(text, now) != 0) &&
	    statefile_write(path, now, (size_t)n) < 0)
		log_warnx("mqtt: cannot record the published names in %s", path);
}

static void mqtt_svc_on_connected(struct mqtt_client *c, void *userdata)
{
	static const char *const commands[] = { "power/set", "fan_profile/set",
						"power_clear/press" };
	struct mqtt_svc *s = userdata;
	char topic[MQTT_DISCOVERY_TOPIC_MAX];

	mqtt_svc_forget_renamed(s);
	mqtt_svc_publish(s, "availability", "online", 6, true);
	for (int i = 0; i < mqtt_discovery_count(); i++) {
		struct json *j = json_new();
		const char *doc;
		size_t len;

		if (j && mqtt_discovery_config(&s->disc, i, topic, sizeof(topic), j) == 0 &&
		    (doc = json_finish(j, &len)) &&
		    mqtt_client_publish(c, topic, doc, len, s->cfg.qos, true) == 0)
			s->published++;
		json_free(j);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (mqtt_discovery_topic(&s->disc, commands[i], topic, sizeof(topic)) == 0)
			mqtt_client_subscribe(c, topic, s->cfg.qos);
	/* nothing lost while the broker was away: the current state, now */
	mqtt_svc_check(s, true);
}

static void mqtt_svc_on_message(struct mqtt_client *c, const char *topic, const char *payload,
				size_t len, void *userdata)
{
	struct mqtt_svc *s = userdata;
	char words[96], line[160], f_cmd[200], msg[256];
	char *argv[4];
	int argc = 0, st;
	enum mqtt_discovery_command k;

	k = mqtt_discovery_command_parse(&s->disc, topic, payload, len, words, sizeof(words),
					 argv, &argc);
	if (k == MQTT_CMD_NONE)
		return;
	if (k == MQTT_CMD_INVALID) {
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=command-refused", "H2BOX_ORIGIN=mqtt",
					    NULL },
			  "mqtt: refused a message on %s: payload '%.*s' is not a command there",
			  topic, (int)(len < 40 ? len : 40), payload);
		s->refused++;
		return;
	}
	snprintf(line, sizeof(line), "%s %s%s%s", argv[0], argv[1], argc > 2 ? " " : "",
		 argc > 2 ? argv[2] : "");
	if (!s->cfg.allow_commands || !s->b->ctl) {
		snprintf(f_cmd, sizeof(f_cmd), "H2BOX_COMMAND=%s", line);
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=command-refused", "H2BOX_ORIGIN=mqtt",
					    f_cmd, NULL },
			  "mqtt: refused '%s': commands from MQTT are off (allow_commands = no "
			  "in [mqtt])",
			  line);
		s->refused++;
		return;
	}
	s->commands++;
	st = ctl_dispatch(s->b->ctl, "mqtt", argc, argv, msg, sizeof(msg));
	(void)st; /* ctl_dispatch logged the outcome with its origin */
	mqtt_svc_check(s, true);
}

static int mqtt_svc_password_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;
	int r = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		r = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (r < 0)
		return r;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return n ? 0 : -ENODATA;
}

static int mqtt_svc_connect(struct mqtt_svc *s)
{
	char password[MQTT_SVC_PASSWORD_MAX] = "", will[MQTT_DISCOVERY_TOPIC_MAX];
	const struct mqtt_config *c = &s->cfg;
	int r;

	if (c->password_file[0]) {
		r = mqtt_svc_password_read(c->password_file, password, sizeof(password));
		if (r < 0) {
			snprintf(s->error, sizeof(s->error), "cannot read password_file %s: %s",
				 c->password_file, strerror(-r));
			return r;
		}
	}
	if (mqtt_discovery_topic(&s->disc, "availability", will, sizeof(will)) < 0)
		return -ENAMETOOLONG;
	r = mqtt_client_new(s->b->loop,
			    &(struct mqtt_client_options){
				    .host = c->host,
				    .port = c->port ? c->port : c->tls ? 8883 : 1883,
				    .keepalive_s = (int)(c->keepalive_ns / HW_NSEC_PER_SEC),
				    .client_id = s->client_id,
				    .username = c->username[0] ? c->username : NULL,
				    .password = password[0] ? password : NULL,
				    .tls = c->tls,
				    .ca_file = c->ca_file[0] ? c->ca_file : NULL,
				    .cert_file = c->cert_file[0] ? c->cert_file : NULL,
				    .key_file = c->key_file[0] ? c->key_file : NULL,
				    .will_topic = will,
				    .will_payload = "offline",
				    .will_qos = c->qos,
				    .will_retain = true,
			    },
			    &(struct mqtt_client_handlers){ .connected = mqtt_svc_on_connected,
							    .message = mqtt_svc_on_message,
							    .userdata = s },
			    &s->client);
	explicit_bzero(password, sizeof(password));
	if (r < 0)
		snprintf(s->error, sizeof(s->error), "cannot set up the MQTT client: %s",
			 strerror(-r));
	return r;
}

int mqtt_svc_new(struct box *b, const struct mqtt_config *cfg, struct mqtt_svc **out)
{
	const struct fan_config *fc = &b->profile->fan;
	struct mqtt_svc *s;
	char host[256] = "";
	int r;

	*out = NULL;
	if (!cfg->enabled)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->b = b;
	s->cfg = *cfg;
	if (cfg->node[0]) {
		snprintf(s->node, sizeof(s->node), "%s", cfg->node);
	} else if (b->profile->daemon.name[0]) {
		/* the box's one name: Prometheus' build_info carries the same as its node label */
		mqtt_config_node_sanitize(b->profile->daemon.name, s->node, sizeof(s->node));
	} else {
		gethostname(host, sizeof(host) - 1);
		mqtt_config_node_sanitize(host, s->node, sizeof(s->node));
	}
	if (cfg->base_topic[0])
		snprintf(s->base, sizeof(s->base), "%s", cfg->base_topic);
	else
		snprintf(s->base, sizeof(s->base), "h2box/%s", s->node);
	if (cfg->client_id[0])
		snprintf(s->client_id, sizeof(s->client_id), "%s", cfg->client_id);
	else
		snprintf(s->client_id, sizeof(s->client_id), "h2box-%s", s->node);
	s->disc = (struct mqtt_discovery_box){ .node = s->node,
					       .base = s->base,
					       .prefix = s->cfg.discovery_prefix,
					       .model = b->profile->daemon.name,
					       .version = H2BOX_VERSION,
					       .qos = cfg->qos };
	for (int k = 0; k < fc->sched.nprofiles && k < MQTT_DISCOVERY_FAN_PROFILES_MAX; k++)
		s->disc.fan_profiles[s->disc.nfan_profiles++] = fc->sched.profiles[k].name;
	r = loop_timer_new(b->loop, "mqtt-state", mqtt_svc_on_timer, s, &s->timer);
	if (r < 0) {
		free(s);
		return r;
	}
	loop_timer_arm_in(s->timer, MQTT_SVC_CHECK_NS);
	/* a broker that cannot be reached is not a reason to stop supervising the box */
	if (mqtt_svc_connect(s) < 0)
		log_crit("mqtt: %s; running without MQTT", s->error);
	else
		log_info("mqtt: publishing %s to %s (commands %s)", s->base, cfg->host,
			 cfg->allow_commands ? "allowed" : "refused");
	*out = s;
	return 0;
}

void mqtt_svc_free(struct mqtt_svc *s)
{
	if (!s)
		return;
	mqtt_client_free(s->client, "offline");
	loop_timer_free(s->timer);
	free(s);
}

void mqtt_svc_status_json(struct mqtt_svc *s, struct json *j)
{
	json_object_begin(j, "mqtt");
	json_bool(j, "enabled", s != NULL);
	if (s) {
		json_bool(j, "connected", s->client && mqtt_client_connected(s->client));
		json_string(j, "broker", s->cfg.host);
		json_string(j, "node", s->node);
		json_string(j, "base_topic", s->base);
		json_bool(j, "allow_commands", s->cfg.allow_commands);
		json_uint(j, "published", s->published);
		json_uint(j, "commands", s->commands);
		json_uint(j, "refused", s->refused);
		json_string(j, "error", s->error[0] ? s->error : NULL);
	}
	json_object_end(j);
}

void mqtt_svc_status_text(struct mqtt_svc *s, struct ctl_reply *rep)
{
	if (!s)
		return;
	ctl_reply_printf(rep, "mqtt: %s %s as %s, commands %s%s%s\n",
			 s->client && mqtt_client_connected(s->client) ? "connected to"
								       : "not connected to",
			 s->cfg.host, s->base, s->cfg.allow_commands ? "allowed" : "refused",
			 s->error[0] ? "; " : "", s->error);
}

void mqtt_svc_metrics(struct mqtt_svc *s, struct prom *p)
{
	if (!s) /* no [mqtt]: no family */
		return;
	prom_family(p, "h2box_mqtt_connected", PROM_GAUGE,
		    "1 while h2boxd is connected to its [mqtt] broker.");
	prom_sample(p, "h2box_mqtt_connected", s->client && mqtt_client_connected(s->client),
		    "broker", s->cfg.host, NULL);
	prom_family(p, "h2box_mqtt_commands_total", PROM_COUNTER,
		    "Commands received over MQTT, by outcome (run, refused).");
	prom_sample(p, "h2box_mqtt_commands_total", (double)s->commands, "outcome", "run", NULL);
	prom_sample(p, "h2box_mqtt_commands_total", (double)s->refused, "outcome", "refused", NULL);
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(mqtt_svc, "mqtt", mqtt, mqtt, true);
