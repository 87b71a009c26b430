/* ib-config.h - the [ib] profile section: device, ports, sampling period, `ib bench` limits. */
#ifndef H2BOX_IB_CONFIG_H
#define H2BOX_IB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/config/conf-keys.h"
#include <stdint.h>

#include "hw/ib.h"

#define IB_CONFIG_PORTS_MAX 8

/* [ib] */
struct ib_config {
	bool enabled;		     /* the profile has an [ib] section: sample the link */
	char device[HW_IB_NAME_MAX]; /* device = mlx4_0; "" = the first one found */
	unsigned ports_mask;	     /* ports = 1,2 | all; bit n = port n, 0 = all */
	bool pcie_narrow_expected;   /* pcie_narrow_expected = yes: the slot has fewer lanes
					than the card (the H2's M.2 x4 for an x8 card) */
	int64_t sample_ns;	     /* sample_period = 1s: counter sampling */
	int bench_tcp_port;	     /* bench_port = 18515: out-of-band exchange of `ib bench` */
	int64_t bench_timeout_ns;    /* bench_timeout = 10s: connect/exchange timeout */
	int64_t bench_max_ns; /* bench_max_duration = 60s: the longest run the daemon allows */
	int line_device, line_ports, line_sample, line_bench;
};

void ib_config_defaults(struct ib_config *c);
/* One key of [ib]: 0, -ENOENT for a key (or section) that is not ours, -EINVAL with err. */
int ib_config_set(struct ib_config *c, const char *section, const char *key, const char *value,
		  int line, char *err, size_t errlen);
/* Cross-key checks once the section is read: 0, or -EINVAL with *line and err. */
/* Every [ib] key (conf_keys_each()). */
void ib_config_keys_each(conf_keys_each_fn fn, void *ctx);
int ib_config_validate(const struct ib_config *c, int *line, char *err, size_t errlen);

#endif
