/* mqtt-config.h - the [mqtt] profile section: broker, TLS, credentials, topics, commands. */
#ifndef H2BOX_MQTT_CONFIG_H
#define H2BOX_MQTT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/config/conf-keys.h"

#define MQTT_CONFIG_PATH_MAX 256
#define MQTT_CONFIG_NODE_MAX 48
#define MQTT_CONFIG_TOPIC_MAX 128

/*
 * [mqtt]: off unless host is set.  host is an IP address, not a name: resolving a name can
 * block for seconds inside the event loop, which must never wait (docs/h2box.conf.5).  The
 * password is never in the profile: password_file names a file read when the service starts.
 * Empty strings mean "the default derived at start": client_id h2box-<node>, node the host
 * name, base_topic h2box/<node>.
 */
struct mqtt_config {
	bool enabled;                           /* host was set */
	char host[64];                          /* IPv4 or IPv6 address */
	int port;                               /* 0 = 1883, or 8883 with tls */
	bool tls;
	char ca_file[MQTT_CONFIG_PATH_MAX];     /* "" = the system's CA directory */
	char cert_file[MQTT_CONFIG_PATH_MAX];   /* client certificate, with key_file */
	char key_file[MQTT_CONFIG_PATH_MAX];
	char username[64];
	char password_file[MQTT_CONFIG_PATH_MAX];
	char client_id[64];
	char node[MQTT_CONFIG_NODE_MAX];        /* [A-Za-z0-9_-]; "" = the host name */
	char base_topic[MQTT_CONFIG_TOPIC_MAX];
	char discovery_prefix[64];
	int qos;                                /* 0..2, for state, availability and commands */
	int64_t state_interval_ns;              /* the state is published at least this often */
	int64_t keepalive_ns;
	bool allow_commands;                    /* power and fan commands from MQTT */
	int line_section, line_tls, line_cert, line_user;
};

void mqtt_config_defaults(struct mqtt_config *c);
/* One key of [mqtt]: 0, -ENOENT for a key (or section) that is not ours, -EINVAL with err. */
int mqtt_config_set(struct mqtt_config *c, const char *section, const char *key,
		    const char *value, int line, char *err, size_t errlen);
/* Cross-key checks once the section is read: 0, or -EINVAL with *line and err. */
int mqtt_config_validate(const struct mqtt_config *c, int *line, char *err, size_t errlen);
/* Every [mqtt] key (conf_keys_each()). */
void mqtt_config_keys_each(conf_keys_each_fn fn, void *ctx);
/*
 * A node name as MQTT topics and Home Assistant's discovery ids take it: letters, digits, '_'
 * and '-' kept, anything else (a host name's dots) becomes '_'; "" gives "h2box".
 */
void mqtt_config_node_sanitize(const char *in, char *out, size_t outlen);

#endif
