/* ib-conf.c - parses and checks the [ib] profile section. */
#include "supervisor/config/ib-conf.h"

#include "drivers/ib_bench.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void ib_config_defaults(struct ib_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ports_mask = 0;
	c->pcie_narrow_expected = false;
	c->sample_ns = 1000000000LL;
	c->bench_tcp_port = IB_BENCH_TCP_PORT_DEFAULT;
	c->bench_timeout_ns = 10000000000LL;
	c->bench_max_ns = 60000000000LL;
}

/* "all", "1", "1,2" -> bit mask of ports 1..IB_CONFIG_PORTS_MAX. */
static int ib_config_ports_parse(const char *value, unsigned *mask, char *err, size_t errlen)
{
	char buf[64];
	char *tok, *save = NULL;
	unsigned m = 0;

	if (parse_string(value, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	if (strcmp(buf, "all") == 0) {
		*mask = 0;
		return 0;
	}
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		long n;

		if (parse_int(tok, 1, IB_CONFIG_PORTS_MAX, &n, NULL, 0) < 0) {
			snprintf(err, errlen, "ports: '%s' is not a port number 1..%d (or 'all')",
				 tok, IB_CONFIG_PORTS_MAX);
			return -EINVAL;
		}
		m |= 1u << n;
	}
	if (!m) {
		snprintf(err, errlen, "ports: expected 'all' or a list such as 1,2");
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

int ib_config_set(struct ib_config *c, const char *section, const char *key, const char *value,
		  int line, char *err, size_t errlen)
{
	long n;
	int r;

	if (strcmp(section, "ib") != 0)
		return -ENOENT;
	if (strcmp(key, "device") == 0) {
		char buf[HW_IB_NAME_MAX];

		r = parse_string(value, buf, sizeof(buf), err, errlen);
		if (r < 0)
			return r;
		if (strchr(buf, '/') || strchr(buf, ' ')) {
			snprintf(err, errlen, "device: '%s' is not an RDMA device name", buf);
			return -EINVAL;
		}
		snprintf(c->device, sizeof(c->device), "%s", strcmp(buf, "auto") ? buf : "");
		c->line_device = line;
		return 0;
	}
	if (strcmp(key, "ports") == 0) {
		c->line_ports = line;
		return ib_config_ports_parse(value, &c->ports_mask, err, errlen);
	}
	if (strcmp(key, "pcie_narrow_expected") == 0)
		return parse_bool(value, &c->pcie_narrow_expected, err, errlen);
	if (strcmp(key, "sample_period") == 0) {
		c->line_sample = line;
		return parse_duration_ns(value, 100000000LL, 60000000000LL, &c->sample_ns, err,
					 errlen);
	}
	if (strcmp(key, "bench_port") == 0) {
		r = parse_int(value, 1, 65535, &n, err, errlen);
		if (r == 0)
			c->bench_tcp_port = (int)n;
		return r;
	}
	if (strcmp(key, "bench_timeout") == 0 || strcmp(key, "bench_max_duration") == 0)
		c->line_bench = line;
	if (strcmp(key, "bench_timeout") == 0)
		return parse_duration_ns(value, 100000000LL, 600000000000LL, &c->bench_timeout_ns,
					 err, errlen);
	if (strcmp(key, "bench_max_duration") == 0)
		return parse_duration_ns(value, 1000000000LL, 3600000000000LL, &c->bench_max_ns,
					 err, errlen);
	return -ENOENT;
}

int ib_config_validate(const struct ib_config *c, int *line, char *err, size_t errlen)
{
	if (c->sample_ns < 100000000LL) {
		*line = c->line_sample;
		snprintf(err, errlen, "sample_period must be at least 100ms");
		return -EINVAL;
	}
	if (c->bench_timeout_ns >= c->bench_max_ns) {
		*line = c->line_bench;
		snprintf(err, errlen, "bench_timeout must be shorter than bench_max_duration");
		return -EINVAL;
	}
	return 0;
}
