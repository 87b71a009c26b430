/* metrics-config.c - parses the [metrics] profile section. */
#include "supervisor/config/metrics-config.h"

#include "hw/clock.h"
#include "supervisor/util/parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define SEC ((double)HW_NSEC_PER_SEC)

void metrics_config_defaults(struct metrics_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "127.0.0.1");
	c->textfile_interval_ns = 15 * HW_NSEC_PER_SEC;
}

int metrics_config_listen_parse(const char *value, char *addr, size_t addrlen, int *port,
				char *err, size_t errlen)
{
	char buf[METRICS_CONFIG_ADDR_MAX + 8], host[METRICS_CONFIG_ADDR_MAX];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *colon, *p;
	long n;

	if (parse_string(value, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	/* the port follows the last colon, unless the colons are an unbracketed IPv6 address */
	colon = strrchr(buf, ':');
	if (colon && buf[0] != '[' && strchr(buf, ':') != colon)
		return parse_error(-EINVAL, err, errlen,
				   "'%s': write an IPv6 address in brackets, [::1]:9100", buf);
	p = colon ? colon + 1 : buf;
	if (parse_int(p, 0, 65535, &n, NULL, 0) < 0)
		return parse_error(-EINVAL, err, errlen,
				   "'%s' is not [ADDR:]PORT (a port 0..65535)", buf);
	if (!colon) {
		snprintf(host, sizeof(host), "127.0.0.1"); /* localhost unless told otherwise */
	} else {
		size_t hl = (size_t)(colon - buf);

		if (hl >= 2 && buf[0] == '[' && buf[hl - 1] == ']') {
			snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), buf + 1);
			if (inet_pton(AF_INET6, host, bin) != 1)
				goto bad;
		} else {
			snprintf(host, sizeof(host), "%.*s", (int)hl, buf);
			if (strcmp(host, "localhost") == 0)
				snprintf(host, sizeof(host), "127.0.0.1");
			if (inet_pton(AF_INET, host, bin) != 1)
				goto bad;
		}
	}
	snprintf(addr, addrlen, "%s", host);
	*port = (int)n;
	return 0;
bad:
	return parse_error(-EINVAL, err, errlen,
			   "'%.*s' is not an IP address (0.0.0.0, 127.0.0.1, [::1], localhost)",
			   (int)(colon - buf), buf);
}

static int metrics_config_listen_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct metrics_config *c = obj;

	if (metrics_config_listen_parse(value, c->addr, sizeof(c->addr), &c->port, err,
					errlen) < 0)
		return -EINVAL;
	c->listen = true;
	return 0;
}

#define METRICS_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct metrics_config, f), __VA_ARGS__ }

static const struct conf_key metrics_config_keys[] = {
	{ .name = "listen", .type = CONF_CUSTOM, .fn = metrics_config_listen_set },
	METRICS_KEY("textfile", CONF_PATH_OPT, textfile, .size = METRICS_CONFIG_PATH_MAX),
	METRICS_KEY("textfile_interval", CONF_DURATION, textfile_interval_ns, .min = SEC,
		    .max = 3600 * SEC),
	CONF_KEY_END,
};

int metrics_config_set(struct metrics_config *c, const char *section, const char *key,
		       const char *value, int line, char *err, size_t errlen)
{
	if (strcmp(section, "metrics") != 0)
		return -ENOENT;
	return conf_keys_set(metrics_config_keys, c, key, value, err, errlen);
}

void metrics_config_keys_each(conf_keys_each_fn fn, void *ctx)
{
	conf_keys_each(metrics_config_keys, "metrics", fn, ctx);
}
