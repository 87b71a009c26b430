/* mqtt-config.c - parses and checks the [mqtt] profile section. */
#include "supervisor/config/mqtt-config.h"

#include "hw/clock.h"
#include "supervisor/config/conf-keys.h"
#include "supervisor/util/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SEC ((double)HW_NSEC_PER_SEC)

void mqtt_config_defaults(struct mqtt_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->discovery_prefix, sizeof(c->discovery_prefix), "homeassistant");
	c->qos = 1;
	c->state_interval_ns = 30 * HW_NSEC_PER_SEC;
	c->keepalive_ns = 60 * HW_NSEC_PER_SEC;
}

/* host = an address: a name would need a resolver call that can block the loop */
static int mqtt_config_host_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct mqtt_config *c = obj;
	unsigned char addr[16];
	char buf[64];

	if (parse_string(value, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET, buf, addr) != 1 && inet_pton(AF_INET6, buf, addr) != 1)
		return parse_error(-EINVAL, err, errlen,
				   "'%s' is not an IP address (a host name would be resolved "
				   "inside the control loop, which must never wait; give the "
				   "broker's address)",
				   buf);
	snprintf(c->host, sizeof(c->host), "%s", buf);
	c->enabled = true;
	return 0;
}

static bool mqtt_config_node_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '-';
}

static int mqtt_config_node_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct mqtt_config *c = obj;

	if (parse_string(value, c->node, sizeof(c->node), err, errlen) < 0)
		return -EINVAL;
	for (const char *p = c->node; *p; p++)
		if (!mqtt_config_node_char(*p))
			return parse_error(-EINVAL, err, errlen,
					   "'%s': a node name takes letters, digits, '_' and '-' "
					   "(it names MQTT topics and Home Assistant ids)",
					   c->node);
	return 0;
}

/* A topic we publish under: no wildcards, no leading or trailing '/', no empty level. */
static int mqtt_config_topic_check(const char *t, char *err, size_t errlen)
{
	size_t n = strlen(t);

	if (strpbrk(t, "+#") || t[0] == '/' || t[n - 1] == '/' || strstr(t, "//"))
		return parse_error(-EINVAL, err, errlen,
				   "'%s' is not a topic prefix (no '+', '#', empty levels or "
				   "leading/trailing '/')",
				   t);
	return 0;
}

static int mqtt_config_base_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct mqtt_config *c = obj;

	if (parse_string(value, c->base_topic, sizeof(c->base_topic), err, errlen) < 0)
		return -EINVAL;
	return mqtt_config_topic_check(c->base_topic, err, errlen);
}

static int mqtt_config_prefix_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct mqtt_config *c = obj;

	if (parse_string(value, c->discovery_prefix, sizeof(c->discovery_prefix), err, errlen) < 0)
		return -EINVAL;
	return mqtt_config_topic_check(c->discovery_prefix, err, errlen);
}

#define MQTT_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct mqtt_config, f), __VA_ARGS__ }

static const struct conf_key mqtt_config_keys[] = {
	{ .name = "host", .type = CONF_CUSTOM, .fn = mqtt_config_host_set },
	MQTT_KEY("port", CONF_INT, port, .size = sizeof(int), .min = 1, .max = 65535),
	MQTT_KEY("tls", CONF_BOOL, tls),
	MQTT_KEY("ca_file", CONF_PATH, ca_file, .size = MQTT_CONFIG_PATH_MAX),
	MQTT_KEY("cert_file", CONF_PATH, cert_file, .size = MQTT_CONFIG_PATH_MAX),
	MQTT_KEY("key_file", CONF_PATH, key_file, .size = MQTT_CONFIG_PATH_MAX),
	MQTT_KEY("username", CONF_STRING, username, .size = 64),
	MQTT_KEY("password_file", CONF_PATH, password_file, .size = MQTT_CONFIG_PATH_MAX),
	MQTT_KEY("client_id", CONF_STRING, client_id, .size = 64),
	{ .name = "node", .type = CONF_CUSTOM, .fn = mqtt_config_node_set },
	{ .name = "base_topic", .type = CONF_CUSTOM, .fn = mqtt_config_base_set },
	{ .name = "discovery_prefix", .type = CONF_CUSTOM, .fn = mqtt_config_prefix_set },
	MQTT_KEY("qos", CONF_INT, qos, .size = sizeof(int), .min = 0, .max = 2),
	MQTT_KEY("state_interval", CONF_DURATION, state_interval_ns, .min = SEC,
		 .max = 3600 * SEC),
	MQTT_KEY("keepalive", CONF_DURATION, keepalive_ns, .min = 5 * SEC, .max = 3600 * SEC),
	MQTT_KEY("allow_commands", CONF_BOOL, allow_commands),
	CONF_KEY_END,
};

int mqtt_config_set(struct mqtt_config *c, const char *section, const char *key,
		    const char *value, int line, char *err, size_t errlen)
{
	if (strcmp(section, "mqtt") != 0)
		return -ENOENT;
	/* the lines the cross-key checks point at */
	if (!c->line_section)
		c->line_section = line;
	if (strcmp(key, "tls") == 0 || strcmp(key, "ca_file") == 0)
		c->line_tls = line;
	else if (strcmp(key, "cert_file") == 0 || strcmp(key, "key_file") == 0)
		c->line_cert = line;
	else if (strcmp(key, "username") == 0 || strcmp(key, "password_file") == 0)
		c->line_user = line;
	return conf_keys_set(mqtt_config_keys, c, key, value, err, errlen);
}

void mqtt_config_keys_each(conf_keys_each_fn fn, void *ctx)
{
	conf_keys_each(mqtt_config_keys, "mqtt", fn, ctx);
}

int mqtt_config_validate(const struct mqtt_config *c, int *line, char *err, size_t errlen)
{
	if (!c->line_section)
		return 0;
	if (!c->enabled) {
		*line = c->line_section;
		return parse_error(-EINVAL, err, errlen,
				   "[mqtt] needs host = the broker's IP address");
	}
	if (!c->cert_file[0] != !c->key_file[0]) {
		*line = c->line_cert;
		return parse_error(-EINVAL, err, errlen,
				   "cert_file and key_file go together (a client certificate "
				   "and its key)");
	}
	if ((c->ca_file[0] || c->cert_file[0]) && !c->tls) {
		*line = c->line_tls ? c->line_tls : c->line_cert;
		return parse_error(-EINVAL, err, errlen,
				   "ca_file and cert_file need tls = yes");
	}
	if (c->password_file[0] && !c->username[0]) {
		*line = c->line_user;
		return parse_error(-EINVAL, err, errlen, "password_file needs a username");
	}
	return 0;
}

void mqtt_config_node_sanitize(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (; in && *in && n + 1 < outlen; in++)
		out[n++] = mqtt_config_node_char(*in) ? *in : '_';
	out[n] = '\0';
	if (!n)
		snprintf(out, outlen, "h2box");
}
