/* metrics-config.h - the [metrics] profile section: HTTP listen address, Prometheus textfile. */
#ifndef H2BOX_METRICS_CONFIG_H
#define H2BOX_METRICS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/config/conf-keys.h"

#define METRICS_CONFIG_ADDR_MAX 64
#define METRICS_CONFIG_PATH_MAX 256

/* [metrics] */
struct metrics_config {
	bool listen;                          /* listen = [ADDR:]PORT given: serve HTTP */
	char addr[METRICS_CONFIG_ADDR_MAX];   /* an IP literal; 127.0.0.1 when only a port */
	int port;                             /* 0 = any free port (logged) */
	char textfile[METRICS_CONFIG_PATH_MAX]; /* textfile = PATH: written atomically; "" none */
	int64_t textfile_interval_ns;         /* textfile_interval = 15s */
};

void metrics_config_defaults(struct metrics_config *c);
/* One key of [metrics]: 0, -ENOENT for a key (or section) that is not ours, -EINVAL with err. */
int metrics_config_set(struct metrics_config *c, const char *section, const char *key,
		       const char *value, int line, char *err, size_t errlen);
/* Every [metrics] key (conf_keys_each()). */
void metrics_config_keys_each(conf_keys_each_fn fn, void *ctx);
/* Parse "[ADDR:]PORT" ("9100", "0.0.0.0:9100", "[::1]:9100"): 0 or -EINVAL with err. */
int metrics_config_listen_parse(const char *value, char *addr, size_t addrlen, int *port,
				char *err, size_t errlen);

#endif
