/* test_mqtt.c - [mqtt] parsing, the topics and HA discovery configs, command payloads, back-off. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/config/mqtt-config.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/mqtt-client.h"
#include "supervisor/services/mqtt-discovery.h"
#include "supervisor/util/json.h"

#define GPIO "[gpio]\npsu_on = A\npsu_ok = B\nbutton = C\nhost_button = D\nhost_alive = E\n"
#define SEC 1000000000LL

static int load(const char *text, struct profile *p, struct profile_errors *e)
{
	return profile_load_string("t.conf", text, p, e);
}

/* The profile is rejected with an error starting with want_prefix and containing want. */
static void assert_mqtt_error(const char *text, const char *want_prefix, const char *want)
{
	struct profile *p = calloc(1, sizeof(*p));
	struct profile_errors e;
	bool found = false;

	assert_non_null(p);
	assert_int_equal(load(text, p, &e), -EINVAL);
	for (int i = 0; i < e.count; i++)
		if (strncmp(e.msg[i], want_prefix, strlen(want_prefix)) == 0 &&
		    strstr(e.msg[i], want))
			found = true;
	if (!found) {
		for (int i = 0; i < e.count; i++)
			print_message("  error: %s\n", e.msg[i]);
		fail_msg("expected '%s...%s'", want_prefix, want);
	}
	free(p);
}

static void test_mqtt_config_keys(void **state)
{
	struct profile *p = calloc(1, sizeof(*p));
	struct profile_errors e;

	assert_non_null(p);
	assert_int_equal(load(GPIO, p, &e), 0);
	assert_false(p->mqtt.enabled); /* off without [mqtt] */
	assert_false(p->mqtt.allow_commands);
	assert_string_equal(p->mqtt.discovery_prefix, "homeassistant");
	assert_int_equal(load(GPIO "[mqtt]\nhost = 192.0.2.7\nport = 1884\nnode = nas-1\n"
				   "qos = 2\nstate_interval = 10s\nallow_commands = yes\n"
				   "username = ha\npassword_file = /etc/h2box/mqtt.pw\n"
				   "base_topic = lab/nas\ndiscovery_prefix = ha\nkeepalive = 30s\n",
			      p, &e),
			 0);
	assert_true(p->mqtt.enabled);
	assert_string_equal(p->mqtt.host, "192.0.2.7");
	assert_int_equal(p->mqtt.port, 1884);
	assert_string_equal(p->mqtt.node, "nas-1");
	assert_int_equal(p->mqtt.qos, 2);
	assert_int_equal(p->mqtt.state_interval_ns, 10 * SEC);
	assert_int_equal(p->mqtt.keepalive_ns, 30 * SEC);
	assert_true(p->mqtt.allow_commands);
	assert_string_equal(p->mqtt.base_topic, "lab/nas");
	assert_string_equal(p->mqtt.discovery_prefix, "ha");
	assert_int_equal(load(GPIO "[mqtt]\nhost = ::1\n", p, &e), 0);
	free(p);
}

static void test_mqtt_config_errors(void **state)
{
	/* line 8: the key after GPIO's six lines and the header */
	assert_mqtt_error(GPIO "[mqtt]\nhost = broker.lan\n", "t.conf:8:", "not an IP address");
	assert_mqtt_error(GPIO "[mqtt]\nport = 1883\n", "t.conf:8:", "needs host");
	assert_mqtt_error(GPIO "[mqtt]\nhost = 10.0.0.1\nnode = a.b\n", "t.conf:9:",
			  "letters, digits");
	assert_mqtt_error(GPIO "[mqtt]\nhost = 10.0.0.1\nbase_topic = a/#\n", "t.conf:9:",
			  "not a topic prefix");
	assert_mqtt_error(GPIO "[mqtt]\nhost = 10.0.0.1\nqos = 3\n", "t.conf:9:", "");
	assert_mqtt_error(GPIO "[mqtt]\nhost = 10.0.0.1\ncert_file = /c.pem\ntls = yes\n",
			  "t.conf:9:", "key_file");
	assert_mqtt_error(GPIO "[mqtt]\nhost = 10.0.0.1\nca_file = /ca.pem\n", "t.conf:9:",
			  "tls = yes");
	assert_mqtt_error(GPIO "[mqtt]\nhost = 10.0.0.1\npassword_file = /pw\n", "t.conf:9:",
			  "needs a username");
	assert_mqtt_error(GPIO "[mqtt]\nhost = 10.0.0.1\npassword = secret\n", "t.conf:9:", "");
}

static void test_mqtt_node_sanitize(void **state)
{
	char out[16];

	mqtt_config_node_sanitize("nas.home.lan", out, sizeof(out));
	assert_string_equal(out, "nas_home_lan");
	mqtt_config_node_sanitize("", out, sizeof(out));
	assert_string_equal(out, "h2box");
	mqtt_config_node_sanitize("a-very-long-host-name", out, sizeof(out));
	assert_string_equal(out, "a-very-long-hos");
}

static const struct mqtt_discovery_box box = {
	.node = "nas1",
	.base = "h2box/nas1",
	.prefix = "homeassistant",
	.model = "test box",
	.version = "1.2.3",
	.fan_profiles = { "balanced", "quiet" },
	.nfan_profiles = 2,
	.qos = 1,
};

/* Entity i's config document (the caller frees j) and its topic. */
static const char *config_of(int i, char *topic, size_t len, struct json **jp)
{
	struct json *j = json_new();
	const char *doc;

	assert_int_equal(mqtt_discovery_config(&box, i, topic, len, j), 0);
	doc = json_finish(j, NULL);
	assert_non_null(doc);
	*jp = j;
	return doc;
}

/* the config whose topic is want_topic, NULL if none */
static const char *find_config(const char *want_topic, struct json **jp)
{
	char topic[MQTT_DISCOVERY_TOPIC_MAX];

	for (int i = 0; i < mqtt_discovery_count(); i++) {
		const char *doc = config_of(i, topic, sizeof(topic), jp);

		if (strcmp(topic, want_topic) == 0)
			return doc;
		json_free(*jp);
	}
	return NULL;
}

static void test_mqtt_discovery_common(void **state)
{
	char topic[MQTT_DISCOVERY_TOPIC_MAX], seen[64][128];
	int n = mqtt_discovery_count();

	assert_true(n >= 23 && n <= 64);
	for (int i = 0; i < n; i++) {
		struct json *j;
		const char *doc = config_of(i, topic, sizeof(topic), &j);
		const char *uid = strstr(doc, "\"unique_id\":\"");

		assert_int_equal(strncmp(topic, "homeassistant/", 14), 0);
		assert_non_null(strstr(topic, "/nas1/"));
		assert_non_null(strstr(topic, "/config"));
		assert_non_null(uid);
		assert_int_equal(strncmp(uid + 13, "h2box_nas1_", 11), 0);
		snprintf(seen[i], sizeof(seen[i]), "%.*s", (int)strcspn(uid + 13, "\""), uid + 13);
		for (int k = 0; k < i; k++)
			assert_string_not_equal(seen[k], seen[i]);
		assert_non_null(strstr(doc, "\"availability_topic\":\"h2box/nas1/availability\""));
		assert_non_null(strstr(doc, "\"identifiers\":[\"h2box_nas1\"]"));
		assert_non_null(strstr(doc, "\"sw_version\":\"1.2.3\""));
		assert_non_null(strstr(doc, "\"model\":\"test box\""));
		if (!strstr(topic, "/button/")) /* a button has no state */
			assert_non_null(strstr(doc, "\"state_topic\":\"h2box/nas1/"));
		json_free(j);
	}
	assert_int_equal(mqtt_discovery_config(&box, n, topic, sizeof(topic), NULL), -EINVAL);
}

/* The config at topic holds every one of the NULL-terminated needles. */
static void assert_config_has(const char *topic, const char *const *needles)
{
	struct json *j;
	const char *doc = find_config(topic, &j);

	if (!doc)
		fail_msg("no discovery config at %s", topic);
	for (; *needles; needles++)
		if (!strstr(doc, *needles))
			fail_msg("%s lacks %s: %s", topic, *needles, doc);
	json_free(j);
}

#define HAS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_mqtt_discovery_entities(void **state)
{
	assert_config_has("homeassistant/sensor/nas1/power/config",
			  HAS("\"device_class\":\"power\"", "\"unit_of_measurement\":\"W\"",
			      "\"state_class\":\"measurement\"",
			      "\"state_topic\":\"h2box/nas1/state\"", "value_json.readings.watts"));
	assert_config_has("homeassistant/sensor/nas1/energy/config",
			  HAS("\"unit_of_measurement\":\"kWh\"",
			      "\"state_class\":\"total_increasing\""));
	assert_config_has("homeassistant/binary_sensor/nas1/alarm_fan/config",
			  HAS("\"device_class\":\"problem\"",
			      "\"state_topic\":\"h2box/nas1/alarm/fan\""));
	assert_config_has("homeassistant/switch/nas1/power_switch/config",
			  HAS("\"command_topic\":\"h2box/nas1/power/set\""));
	assert_config_has("homeassistant/select/nas1/fan_profile/config",
			  HAS("\"options\":[\"balanced\",\"quiet\"]",
			      "\"command_topic\":\"h2box/nas1/fan_profile/set\""));
	assert_config_has("homeassistant/button/nas1/power_clear/config",
			  HAS("\"command_topic\":\"h2box/nas1/power_clear/press\""));
}

static void test_mqtt_alarm_classes(void **state)
{
	assert_int_equal(mqtt_discovery_alarm_class("fan-stall"), MQTT_ALARM_FAN);
	assert_int_equal(mqtt_discovery_alarm_class("temp-nic"), MQTT_ALARM_TEMP);
	assert_int_equal(mqtt_discovery_alarm_class("psu-ok-drop"), MQTT_ALARM_PSU);
	assert_int_equal(mqtt_discovery_alarm_class("power-budget"), MQTT_ALARM_POWER);
	assert_int_equal(mqtt_discovery_alarm_class("ib-no-sm"), MQTT_ALARM_IB);
	assert_int_equal(mqtt_discovery_alarm_class("nic-blind"), MQTT_ALARM_NIC);
	assert_int_equal(mqtt_discovery_alarm_class("fanx-odd"), MQTT_ALARM_OTHER);
	assert_int_equal(mqtt_discovery_alarm_class("weird"), MQTT_ALARM_OTHER);
	assert_string_equal(mqtt_discovery_alarm_class_name(MQTT_ALARM_SENSOR), "sensor");
}

/* payload -> the words the verb gets, "" when refused as invalid, NULL when not a command */
static const char *cmd(const char *topic, const char *payload, char *out, size_t len)
{
	char words[64];
	char *argv[4];
	int argc = -1;
	size_t n = 0;

	switch (mqtt_discovery_command_parse(&box, topic, payload, strlen(payload), words,
					     sizeof(words), argv, &argc)) {
	case MQTT_CMD_NONE:
		return NULL;
	case MQTT_CMD_INVALID:
		return "";
	case MQTT_CMD_OK:
		break;
	}
	assert_null(argv[argc]);
	out[0] = '\0';
	for (int i = 0; i < argc; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? " " : "", argv[i]);
	return out;
}

static void test_mqtt_commands(void **state)
{
	char out[64];

	assert_string_equal(cmd("h2box/nas1/power/set", "ON", out, sizeof(out)), "power on");
	assert_string_equal(cmd("h2box/nas1/power/set", "OFF", out, sizeof(out)), "power off");
	assert_string_equal(cmd("h2box/nas1/power/set", "on", out, sizeof(out)), "");
	assert_string_equal(cmd("h2box/nas1/power/set", "ON ", out, sizeof(out)), "");
	assert_string_equal(cmd("h2box/nas1/power_clear/press", "PRESS", out, sizeof(out)),
			    "power clear");
	assert_string_equal(cmd("h2box/nas1/power_clear/press", "ON", out, sizeof(out)), "");
	assert_string_equal(cmd("h2box/nas1/fan_profile/set", "quiet", out, sizeof(out)),
			    "fan profile quiet");
	/* only a profile the select offers: no option smuggled into the verb */
	assert_string_equal(cmd("h2box/nas1/fan_profile/set", "--list", out, sizeof(out)), "");
	assert_string_equal(cmd("h2box/nas1/fan_profile/set", "quiet --until 22:00", out,
				sizeof(out)),
			    "");
	assert_null(cmd("h2box/nas2/power/set", "ON", out, sizeof(out)));
	assert_null(cmd("h2box/nas1/state", "ON", out, sizeof(out)));
}

static void test_mqtt_backoff(void **state)
{
	int64_t w = 0, min = MQTT_CLIENT_BACKOFF_MIN_NS, max = MQTT_CLIENT_BACKOFF_MAX_NS;
	int steps = 0;

	assert_int_equal(mqtt_client_backoff_next(0, min, max), min);
	w = mqtt_client_backoff_next(0, min, max);
	for (; w < max && steps < 100; steps++) {
		int64_t next = mqtt_client_backoff_next(w, min, max);

		assert_true(next > w);
		assert_true(next <= 2 * w);
		w = next;
	}
	assert_int_equal(w, max);
	assert_true(steps < 10); /* 1 s to 60 s in a handful of doublings */
	assert_int_equal(mqtt_client_backoff_next(max, min, max), max);
	assert_int_equal(mqtt_client_backoff_next(INT64_MAX, min, max), max);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mqtt_config_keys),
		cmocka_unit_test(test_mqtt_config_errors),
		cmocka_unit_test(test_mqtt_node_sanitize),
		cmocka_unit_test(test_mqtt_discovery_common),
		cmocka_unit_test(test_mqtt_discovery_entities),
		cmocka_unit_test(test_mqtt_alarm_classes),
		cmocka_unit_test(test_mqtt_commands),
		cmocka_unit_test(test_mqtt_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
