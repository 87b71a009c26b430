/* mqtt-discovery.h - MQTT topics and Home Assistant discovery configs of one box (pure). */
#ifndef H2BOX_MQTT_DISCOVERY_H
#define H2BOX_MQTT_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

struct json;

/*
 * Everything under <base>: availability (online/offline, retained, the last will), state (the
 * `h2box --json status` document, retained), alarm/<class> (ON/OFF, retained) and the command
 * topics power/set (ON/OFF), fan_profile/set (a fan profile name), power_clear/press (PRESS).
 * Discovery configs go to <prefix>/<component>/<node>/<object>/config, retained; every entity
 * has unique_id h2box_<node>_<object>, the availability topic and the box's one device.
 */
#define MQTT_DISCOVERY_TOPIC_MAX 256
#define MQTT_DISCOVERY_FAN_PROFILES_MAX 16

struct mqtt_discovery_box {
	const char *node;      /* [A-Za-z0-9_-]+ */
	const char *base;      /* h2box/<node> by default */
	const char *prefix;    /* homeassistant by default */
	const char *model;     /* the profile's box name */
	const char *version;   /* VERSION */
	const char *fan_profiles[MQTT_DISCOVERY_FAN_PROFILES_MAX];
	int nfan_profiles;
	int qos;               /* for the command topics */
};

/* The alarm classes, each a binary_sensor: an alarm id's class is its word before '-'. */
enum mqtt_alarm_class {
	MQTT_ALARM_FAN,
	MQTT_ALARM_TEMP,
	MQTT_ALARM_SENSOR,
	MQTT_ALARM_POWER,
	MQTT_ALARM_PSU,
	MQTT_ALARM_NIC,
	MQTT_ALARM_IB,
	MQTT_ALARM_OTHER, /* any id whose first word is none of the above */
	MQTT_ALARM_CLASSES,
};

const char *mqtt_discovery_alarm_class_name(enum mqtt_alarm_class c);
enum mqtt_alarm_class mqtt_discovery_alarm_class(const char *alarm_id);

/* <base>/<suffix> into buf: 0, or -ENAMETOOLONG. */
int mqtt_discovery_topic(const struct mqtt_discovery_box *box, const char *suffix, char *buf,
			 size_t len);

/* The number of discovery entities (sensors, binary_sensors, switch, select, button). */
int mqtt_discovery_count(void);
/*
 * Entity i (0 <= i < mqtt_discovery_count()): its config topic into topic and its config
 * document into j (a fresh writer).  0, or -ENAMETOOLONG / -EINVAL.
 */
int mqtt_discovery_config(const struct mqtt_discovery_box *box, int i, char *topic,
			  size_t topiclen, struct json *j);
/* Entity i's config topic alone (clearing a renamed node's configs). */
int mqtt_discovery_config_topic(const struct mqtt_discovery_box *box, int i, char *topic,
				size_t topiclen);

/* What a command topic's payload asks for: argv for the control socket's verbs. */
enum mqtt_discovery_command {
	MQTT_CMD_NONE,        /* not a command topic */
	MQTT_CMD_INVALID,     /* a command topic with a payload it does not take */
	MQTT_CMD_OK,
};
/*
 * topic and payload (len bytes, not NUL-terminated) -> argv (at most 3 words and NULL) in the
 * words buffer; *argc.  Pure: the service decides whether commands are allowed.
 */
enum mqtt_discovery_command mqtt_discovery_command_parse(const struct mqtt_discovery_box *box,
							 const char *topic, const char *payload,
							 size_t len, char *words, size_t wordslen,
							 char **argv, int *argc);

#endif
