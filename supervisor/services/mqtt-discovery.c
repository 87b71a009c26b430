/* mqtt-discovery.c - MQTT topics, Home Assistant discovery configs and command payloads (pure). */
#include "supervisor/services/mqtt-discovery.h"

#include "supervisor/util/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const mqtt_discovery_class_names[] = {
	[MQTT_ALARM_FAN] = "fan",       [MQTT_ALARM_TEMP] = "temp", [MQTT_ALARM_SENSOR] = "sensor",
	[MQTT_ALARM_POWER] = "power",   [MQTT_ALARM_PSU] = "psu",   [MQTT_ALARM_NIC] = "nic",
	[MQTT_ALARM_IB] = "ib",         [MQTT_ALARM_OTHER] = "other",
};
_Static_assert(sizeof(mqtt_discovery_class_names) / sizeof(mqtt_discovery_class_names[0]) ==
		       MQTT_ALARM_CLASSES,
	       "a name for every enum mqtt_alarm_class");

const char *mqtt_discovery_alarm_class_name(enum mqtt_alarm_class c)
{
	return (unsigned)c < MQTT_ALARM_CLASSES ? mqtt_discovery_class_names[c] : "other";
}

enum mqtt_alarm_class mqtt_discovery_alarm_class(const char *alarm_id)
{
	size_t n = strcspn(alarm_id, "-");

	for (int c = 0; c < MQTT_ALARM_OTHER; c++)
		if (strlen(mqtt_discovery_class_names[c]) == n &&
		    strncmp(alarm_id, mqtt_discovery_class_names[c], n) == 0)
			return (enum mqtt_alarm_class)c;
	return MQTT_ALARM_OTHER;
}

int mqtt_discovery_topic(const struct mqtt_discovery_box *box, const char *suffix, char *buf,
			 size_t len)
{
	int n = snprintf(buf, len, "%s/%s", box->base, suffix);

	return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

enum mqtt_entity_kind {
	MQTT_ENTITY_SENSOR, /* a value of the state document */
	MQTT_ENTITY_ALARM,  /* binary_sensor on alarm/<class> */
	MQTT_ENTITY_SWITCH,
	MQTT_ENTITY_SELECT,
	MQTT_ENTITY_BUTTON,
};

struct mqtt_entity {
	enum mqtt_entity_kind kind;
	const char *object, *name;
	const char *device_class, *unit, *state_class; /* NULL: none */
	const char *tmpl;                              /* value_template into <base>/state */
	int decimals;                                  /* suggested_display_precision; -1 none */
};

#define R(key) "{{ value_json.readings." key " }}"

/* What a Home Assistant user finds on the box's device page. */
static const struct mqtt_entity mqtt_entities[] = {
	{ MQTT_ENTITY_SENSOR, "power", "Power", "power", "W", "measurement", R("watts"), 1 },
	{ MQTT_ENTITY_SENSOR, "energy", "Energy", "energy", "kWh", "total_increasing",
	  "{{ (value_json.watts.energy_total_j / 3600000) | round(4) }}", 3 },
	{ MQTT_ENTITY_SENSOR, "voltage", "Voltage", "voltage", "V", "measurement", R("volts"), 2 },
	{ MQTT_ENTITY_SENSOR, "current", "Current", "current", "A", "measurement", R("amps"), 2 },
	{ MQTT_ENTITY_SENSOR, "nic_temp", "NIC temperature", "temperature", "°C", "measurement",
	  "{{ value_json.readings.get('nic_temp_c') }}", 1 },
	{ MQTT_ENTITY_SENSOR, "cpu_temp", "CPU temperature", "temperature", "°C", "measurement",
	  "{{ value_json.readings.get('cpu_temp_c') }}", 1 },
	/* the duty the fan runs at: the chip's read-back when known, as the status line shows */
	{ MQTT_ENTITY_SENSOR, "fan_duty", "Fan duty", NULL, "%", "measurement",
	  "{{ value_json.readings.fan_duty_actual_pct if value_json.readings.fan_duty_actual_pct "
	  "is not none else value_json.readings.fan_duty_pct }}",
	  0 },
	{ MQTT_ENTITY_SENSOR, "fan_rpm", "Fan speed", NULL, "rpm", "measurement", R("fan_rpm"), 0 },
	{ MQTT_ENTITY_SENSOR, "ib_rx", "IB receive", "data_rate", "Gbit/s", "measurement",
	  R("ib_rx_gbps"), 2 },
	{ MQTT_ENTITY_SENSOR, "ib_tx", "IB transmit", "data_rate", "Gbit/s", "measurement",
	  R("ib_tx_gbps"), 2 },
	{ MQTT_ENTITY_SENSOR, "budget_state", "Power budget", "enum", NULL, NULL,
	  R("budget_state"), -1 },
	{ MQTT_ENTITY_SENSOR, "power_state", "Power sequencer", NULL, NULL, NULL,
	  R("power_state"), -1 },
	{ MQTT_ENTITY_ALARM, "alarm_fan", "Fan alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_ALARM, "alarm_temp", "Temperature alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_ALARM, "alarm_sensor", "Sensor alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_ALARM, "alarm_power", "Power alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_ALARM, "alarm_psu", "PSU alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_ALARM, "alarm_nic", "NIC alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_ALARM, "alarm_ib", "IB alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_ALARM, "alarm_other", "Other alarm", "problem", NULL, NULL, NULL, -1 },
	{ MQTT_ENTITY_SWITCH, "power_switch", "Box power", "switch", NULL, NULL,
	  "{{ 'OFF' if value_json.readings.power_state in ['off', 'fault'] else 'ON' }}", -1 },
	{ MQTT_ENTITY_SELECT, "fan_profile", "Fan profile", NULL, NULL, NULL,
	  "{{ value_json.fan.profile }}", -1 },
	{ MQTT_ENTITY_BUTTON, "power_clear", "Clear power fault", NULL, NULL, NULL, NULL, -1 },
};

#undef R

#define MQTT_NENTITIES ((int)(sizeof(mqtt_entities) / sizeof(mqtt_entities[0])))

int mqtt_discovery_count(void)
{
	return MQTT_NENTITIES;
}

static const char *mqtt_discovery_component(enum mqtt_entity_kind k)
{
	switch (k) {
	case MQTT_ENTITY_SENSOR:
		return "sensor";
	case MQTT_ENTITY_ALARM:
		return "binary_sensor";
	case MQTT_ENTITY_SWITCH:
		return "switch";
	case MQTT_ENTITY_SELECT:
		return "select";
	case MQTT_ENTITY_BUTTON:
		return "button";
	}
	return "sensor";
}

static void mqtt_discovery_device(const struct mqtt_discovery_box *box, struct json *j)
{
	char id[96], name[96];

	snprintf(id, sizeof(id), "h2box_%s", box->node);
	snprintf(name, sizeof(name), "h2box %s", box->node);
	json_object_begin(j, "device");
	json_array_begin(j, "identifiers");
	json_string(j, NULL, id);
	json_array_end(j);
	json_string(j, "name", name);
	json_string(j, "model", box->model);
	json_string(j, "manufacturer", "h2box");
	json_string(j, "sw_version", box->version);
	json_object_end(j);
}

int mqtt_discovery_config_topic(const struct mqtt_discovery_box *box, int i, char *topic,
				size_t topiclen)
{
	const struct mqtt_entity *e;
	int n;

	if (i < 0 || i >= MQTT_NENTITIES)
		return -EINVAL;
	e = &mqtt_entities[i];
	n = snprintf(topic, topiclen, "%s/%s/%s/%s/config", box->prefix,
		     mqtt_discovery_component(e->kind), box->node, e->object);
	if (n < 0 || (size_t)n >= topiclen)
		return -ENAMETOOLONG;
	return 0;
}

int mqtt_discovery_config(const struct mqtt_discovery_box *box, int i, char *topic,
			  size_t topiclen, struct json *j)
{
	const struct mqtt_entity *e;
	char t[MQTT_DISCOVERY_TOPIC_MAX], uid[128];
	int n, r;

	r = mqtt_discovery_config_topic(box, i, topic, topiclen);
	if (r < 0)
		return r;
	e = &mqtt_entities[i];
	snprintf(uid, sizeof(uid), "h2box_%s_%s", box->node, e->object);
	json_object_begin(j, NULL);
	json_string(j, "name", e->name);
	json_string(j, "unique_id", uid);
	if (mqtt_discovery_topic(box, "availability", t, sizeof(t)) < 0)
		return -ENAMETOOLONG;
	json_string(j, "availability_topic", t);
	json_string(j, "payload_available", "online");
	json_string(j, "payload_not_available", "offline");
	mqtt_discovery_device(box, j);
	if (e->kind == MQTT_ENTITY_SWITCH || e->kind == MQTT_ENTITY_SENSOR ||
	    e->kind == MQTT_ENTITY_SELECT) {
		if (mqtt_discovery_topic(box, "state", t, sizeof(t)) < 0)
			return -ENAMETOOLONG;
		json_string(j, "state_topic", t);
		json_string(j, "value_template", e->tmpl);
	}
	if (e->device_class)
		json_string(j, "device_class", e->device_class);
	if (e->unit)
		json_string(j, "unit_of_measurement", e->unit);
	if (e->state_class)
		json_string(j, "state_class", e->state_class);
	if (e->kind == MQTT_ENTITY_SENSOR && e->decimals >= 0)
		json_int(j, "suggested_display_precision", e->decimals);
	switch (e->kind) {
	case MQTT_ENTITY_SENSOR:
		if (e->device_class && strcmp(e->device_class, "enum") == 0) {
			json_array_begin(j, "options");
			for (const char *const *o = (const char *const[]){ "ok", "warn", "throttle",
									    "critical", NULL };
			     *o; o++)
				json_string(j, NULL, *o);
			json_array_end(j);
		}
		break;
	case MQTT_ENTITY_ALARM:
		n = snprintf(t, sizeof(t), "%s/alarm/%s", box->base,
			     e->object + strlen("alarm_"));
		if (n < 0 || (size_t)n >= sizeof(t))
			return -ENAMETOOLONG;
		json_string(j, "state_topic", t);
		json_string(j, "payload_on", "ON");
		json_string(j, "payload_off", "OFF");
		break;
	case MQTT_ENTITY_SWITCH:
		if (mqtt_discovery_topic(box, "power/set", t, sizeof(t)) < 0)
			return -ENAMETOOLONG;
		json_string(j, "command_topic", t);
		json_string(j, "payload_on", "ON");
		json_string(j, "payload_off", "OFF");
		json_string(j, "state_on", "ON");
		json_string(j, "state_off", "OFF");
		json_int(j, "qos", box->qos);
		break;
	case MQTT_ENTITY_SELECT:
		if (mqtt_discovery_topic(box, "fan_profile/set", t, sizeof(t)) < 0)
			return -ENAMETOOLONG;
		json_string(j, "command_topic", t);
		json_array_begin(j, "options");
		for (int k = 0; k < box->nfan_profiles; k++)
			json_string(j, NULL, box->fan_profiles[k]);
		json_array_end(j);
		json_int(j, "qos", box->qos);
		break;
	case MQTT_ENTITY_BUTTON:
		if (mqtt_discovery_topic(box, "power_clear/press", t, sizeof(t)) < 0)
			return -ENAMETOOLONG;
		json_string(j, "command_topic", t);
		json_string(j, "payload_press", "PRESS");
		json_int(j, "qos", box->qos);
		break;
	}
	json_object_end(j);
	return 0;
}

/* payload equals the word s exactly */
static bool mqtt_discovery_is(const char *payload, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(payload, s, len) == 0;
}

enum mqtt_discovery_command mqtt_discovery_command_parse(const struct mqtt_discovery_box *box,
							 const char *topic, const char *payload,
							 size_t len, char *words, size_t wordslen,
							 char **argv, int *argc)
{
	char t[MQTT_DISCOVERY_TOPIC_MAX];
	const char *w[3] = { NULL, NULL, NULL };
	size_t used = 0;
	int n = 0;

	if (mqtt_discovery_topic(box, "power/set", t, sizeof(t)) == 0 && strcmp(topic, t) == 0) {
		if (mqtt_discovery_is(payload, len, "ON"))
			w[0] = "power", w[1] = "on", n = 2;
		else if (mqtt_discovery_is(payload, len, "OFF"))
			w[0] = "power", w[1] = "off", n = 2;
		else
			return MQTT_CMD_INVALID;
	} else if (mqtt_discovery_topic(box, "power_clear/press", t, sizeof(t)) == 0 &&
		   strcmp(topic, t) == 0) {
		if (!mqtt_discovery_is(payload, len, "PRESS"))
			return MQTT_CMD_INVALID;
		w[0] = "power", w[1] = "clear", n = 2;
	} else if (mqtt_discovery_topic(box, "fan_profile/set", t, sizeof(t)) == 0 &&
		   strcmp(topic, t) == 0) {
		/* only a profile the discovery config offers: nothing else reaches the verb */
		for (int k = 0; k < box->nfan_profiles && !w[2]; k++)
			if (mqtt_discovery_is(payload, len, box->fan_profiles[k]))
				w[2] = box->fan_profiles[k];
		if (!w[2])
			return MQTT_CMD_INVALID;
		w[0] = "fan", w[1] = "profile", n = 3;
	} else {
		return MQTT_CMD_NONE;
	}
	for (int k = 0; k < n; k++) {
		size_t l = strlen(w[k]) + 1;

		if (used + l > wordslen)
			return MQTT_CMD_INVALID;
		memcpy(words + used, w[k], l);
		argv[k] = words + used;
		used += l;
	}
	argv[n] = NULL;
	*argc = n;
	return MQTT_CMD_OK;
}
