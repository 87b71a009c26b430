/* ib-config.c - parses and checks the [ib] profile section. */
#include "supervisor/config/ib-config.h"

#include "drivers/ib_bench.h"
#include "hw/clock.h"
#include "supervisor/config/conf-keys.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MS ((double)HW_NSEC_PER_MSEC)
#define SEC ((double)HW_NSEC_PER_SEC)

void ib_config_defaults(struct ib_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ports_mask = 0;
	c->pcie_narrow_expected = false;
	c->sample_ns = HW_NSEC_PER_SEC;
	c->bench_tcp_port = IB_BENCH_TCP_PORT_DEFAULT;
	c->bench_timeout_ns = 10 * HW_NSEC_PER_SEC;
	c->bench_max_ns = 60 * HW_NSEC_PER_SEC;
}

/* device = mlx4_0 | auto ("" = the first one found) */
static int ib_config_device_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct ib_config *c = obj;
	char buf[HW_IB_NAME_MAX];
	int r;

	r = parse_string(value, buf, sizeof(buf), err, errlen);
	if (r < 0)
		return r;
	if (strchr(buf, '/') || strchr(buf, ' '))
		return parse_error(-EINVAL, err, errlen, "'%s' is not an RDMA device name", buf);
	snprintf(c->device, sizeof(c->device), "%s", strcmp(buf, "auto") ? buf : "");
	return 0;
}

/* ports = all | 1 | 1,2 -> bit mask of ports 1..IB_CONFIG_PORTS_MAX. */
static int ib_config_ports_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct ib_config *c = obj;
	char buf[64];
	char *tok, *save = NULL;
	unsigned m = 0;

	if (parse_string(value, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	if (strcmp(buf, "all") == 0) {
		c->ports_mask = 0;
		return 0;
	}
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		long n;

		if (parse_int(tok, 1, IB_CONFIG_PORTS_MAX, &n, NULL, 0) < 0)
			return parse_error(-EINVAL, err, errlen,
					   "'%s' is not a port number 1..%d (or 'all')", tok,
					   IB_CONFIG_PORTS_MAX);
		m |= 1u << n;
	}
	if (!m)
		return parse_error(-EINVAL, err, errlen, "expected 'all' or a list such as 1,2");
	c->ports_mask = m;
	return 0;
}

#define IB_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct ib_config, f), __VA_ARGS__ }

static const struct conf_key ib_config_keys[] = {
	{ .name = "device", .type = CONF_CUSTOM, .fn = ib_config_device_set },
	{ .name = "ports", .type = CONF_CUSTOM, .fn = ib_config_ports_set },
	IB_KEY("pcie_narrow_expected", CONF_BOOL, pcie_narrow_expected),
	IB_KEY("sample_period", CONF_DURATION, sample_ns, .min = 100 * MS, .max = 60 * SEC),
	IB_KEY("bench_port", CONF_INT, bench_tcp_port, .size = sizeof(int), .min = 1,
	       .max = 65535),
	IB_KEY("bench_timeout", CONF_DURATION, bench_timeout_ns, .min = 100 * MS,
	       .max = 600 * SEC),
	IB_KEY("bench_max_duration", CONF_DURATION, bench_max_ns, .min = SEC, .max = 3600 * SEC),
	CONF_KEY_END,
};

int ib_config_set(struct ib_config *c, const char *section, const char *key, const char *value,
		  int line, char *err, size_t errlen)
{
	if (strcmp(section, "ib") != 0)
		return -ENOENT;
	c->enabled = true;
	/* the lines the cross-key checks point at */
	if (strcmp(key, "device") == 0)
		c->line_device = line;
	else if (strcmp(key, "ports") == 0)
		c->line_ports = line;
	else if (strcmp(key, "sample_period") == 0)
		c->line_sample = line;
	else if (strcmp(key, "bench_timeout") == 0 || strcmp(key, "bench_max_duration") == 0)
		c->line_bench = line;
	return conf_keys_set(ib_config_keys, c, key, value, err, errlen);
}

void ib_config_keys_each(conf_keys_each_fn fn, void *ctx)
{
	conf_keys_each(ib_config_keys, "ib", fn, ctx);
}

int ib_config_validate(const struct ib_config *c, int *line, char *err, size_t errlen)
{
	if (c->sample_ns < 100 * HW_NSEC_PER_MSEC) {
		*line = c->line_sample;
		return parse_error(-EINVAL, err, errlen, "sample_period must be at least 100ms");
	}
	if (c->bench_timeout_ns >= c->bench_max_ns) {
		*line = c->line_bench;
		return parse_error(-EINVAL, err, errlen,
				   "bench_timeout must be shorter than bench_max_duration");
	}
	return 0;
}
