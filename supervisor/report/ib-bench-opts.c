/* ib-bench-opts.c - the `ib bench` argument grammar: sizes, iterations or time, roles, devices. */
/*
 * The daemon (`h2box ib bench`) and the client (`ib bench --local`) read the same words, so the
 * grammar lives with what both show, and reads values with util/parse's one size and one
 * duration parser (the options then accept what profiles accept: "64K", "1.5s", "500ms").
 */
#include "drivers/ib_bench.h"
#include "hw/clock.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IB_BENCH_OPTS_ITERS_BW_DEFAULT	5000 /* ib_write_bw's default */
#define IB_BENCH_OPTS_ITERS_LAT_DEFAULT 1000 /* ib_send_lat's default */
#define IB_BENCH_OPTS_SIZE_BW_DEFAULT	65536
#define IB_BENCH_OPTS_TX_DEPTH_DEFAULT	128

void ib_bench_opts_defaults(struct ib_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->test = IB_BENCH_WRITE_BW;
	o->role = IB_BENCH_LOOPBACK;
	o->port = 1;
	o->gid_index = -1;
	o->sizes[0] = IB_BENCH_OPTS_SIZE_BW_DEFAULT;
	o->nsizes = 1;
	o->iters = 0; /* decided after parsing: the default depends on the test */
	o->duration_ns = 0;
	o->warmup_ns = 500000000LL;
	o->cooldown_ns = 500000000LL;
	o->tcp_port = IB_BENCH_TCP_PORT_DEFAULT;
	o->timeout_ns = 10000000000LL;
	o->tx_depth = IB_BENCH_OPTS_TX_DEPTH_DEFAULT;
	o->ceiling_gbps = NAN;
}

/* A count or a size: util/parse's size grammar (K/M/G binary suffixes, as message sizes are). */
static int ib_bench_opts_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_size(s, min, max, out, NULL, 0);
}

/* "2s", "500ms", "1.5s", "1m", "1h"; bare numbers are seconds; 1 ms to 1 h, both included. */
static int ib_bench_opts_parse_dur(const char *s, int64_t *out)
{
	return parse_duration_ns(s, HW_NSEC_PER_MSEC, 3600 * HW_NSEC_PER_SEC, out, NULL, 0);
}

/* NAME or NAME:PORT */
static int ib_bench_opts_parse_dev(const char *s, char *dev, size_t devlen, int *port)
{
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	uint64_t p;

	if (n == 0 || n >= devlen || memchr(s, '/', n))
		return -EINVAL;
	memcpy(dev, s, n);
	dev[n] = '\0';
	if (colon) {
		if (ib_bench_opts_parse_u64(colon + 1, 1, 255, &p) < 0)
			return -EINVAL;
		*port = (int)p;
	}
	return 0;
}

static bool ib_bench_opts_host_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n >= IB_BENCH_HOST_MAX || h[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(h[i] == '.' || h[i] == ':' || h[i] == '-' || h[i] == '_' || h[i] == '%' ||
		      (h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'z') ||
		      (h[i] >= 'A' && h[i] <= 'Z')))
			return false;
	return true;
}

/* "4K,64K,1M": each size 2 B .. 8 MiB, at most IB_BENCH_SIZES_MAX of them. */
static int ib_bench_opts_parse_sizes(const char *val, struct ib_bench_opts *o)
{
	char buf[256], *tok, *save = NULL;
	uint64_t v;

	/* strtok_r would skip empty items: "4K,,1M" is a typo, not two sizes */
	if (!val[0] || strlen(val) >= sizeof(buf) || val[0] == ',' || strstr(val, ",,") ||
	    val[strlen(val) - 1] == ',')
		return -EINVAL;
	memcpy(buf, val, strlen(val) + 1);
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nsizes >= IB_BENCH_SIZES_MAX ||
		    ib_bench_opts_parse_u64(tok, IB_BENCH_SIZE_MIN, IB_BENCH_SIZE_MAX, &v) < 0)
			return -EINVAL;
		o->sizes[o->nsizes++] = (size_t)v;
	}
	return o->nsizes > 0 ? 0 : -EINVAL;
}

int ib_bench_opts_parse(struct ib_bench_opts *o, int argc, char *const *argv, char *err,
			size_t errlen)
{
	bool size_set = false, iters_set = false, dur_set = false, server = false;
	uint64_t v;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (strcmp(a, "--lat") == 0) {
			o->test = IB_BENCH_SEND_LAT;
			takes = false;
		} else if (strcmp(a, "--bidir") == 0) {
			o->bidir = true;
			takes = false;
		} else if (strcmp(a, "--server") == 0) {
			o->role = IB_BENCH_SERVER;
			server = true;
			takes = false;
		} else if (!val) {
			return parse_error(-EINVAL, err, errlen,
						"unknown option or missing value: '%.64s'", a);
		} else if (strcmp(a, "--size") == 0) {
			if (ib_bench_opts_parse_u64(val, IB_BENCH_SIZE_MIN, IB_BENCH_SIZE_MAX, &v) <
			    0)
				return parse_error(-EINVAL, err, errlen,
					"--size: 2 to 8M bytes (K and M suffixes allowed)");
			o->sizes[0] = (size_t)v;
			o->nsizes = 1;
			size_set = true;
		} else if (strcmp(a, "--sizes") == 0) {
			o->nsizes = 0;
			size_set = true;
			if (strcmp(val, "all") == 0) {
				for (size_t s = IB_BENCH_SIZE_MIN; s <= IB_BENCH_SIZE_MAX; s <<= 1)
					o->sizes[o->nsizes++] = s;
			} else if (ib_bench_opts_parse_sizes(val, o) < 0) {
				return parse_error(-EINVAL, err, errlen,
					"--sizes: 'all' or a list such as 4K,64K,1M (at most"
					" %d sizes, each 2 to 8M bytes)",
					IB_BENCH_SIZES_MAX);
			}
		} else if (strcmp(a, "--iters") == 0) {
			if (ib_bench_opts_parse_u64(val, 1, IB_BENCH_ITERS_MAX, &v) < 0)
				return parse_error(-EINVAL, err, errlen, "--iters: 1 to %llu",
							(unsigned long long)IB_BENCH_ITERS_MAX);
			o->iters = v;
			iters_set = true;
		} else if (strcmp(a, "--duration") == 0) {
			if (ib_bench_opts_parse_dur(val, &o->duration_ns) < 0)
				return parse_error(-EINVAL, err, errlen,
					"--duration: 1ms to 1h, such as 500ms, 5s, 10m or 1h");
			dur_set = true;
		} else if (strcmp(a, "--client") == 0) {
			if (!ib_bench_opts_host_ok(val))
				return parse_error(-EINVAL, err, errlen,
							"--client: not a host name or address");
			snprintf(o->host, sizeof(o->host), "%s", val);
			o->role = IB_BENCH_CLIENT;
		} else if (strcmp(a, "--port") == 0) {
			if (ib_bench_opts_parse_u64(val, 1, 65535, &v) < 0)
				return parse_error(-EINVAL, err, errlen,
							"--port: a TCP port 1-65535");
			o->tcp_port = (int)v;
		} else if (strcmp(a, "--dev") == 0) {
			if (ib_bench_opts_parse_dev(val, o->dev, sizeof(o->dev), &o->port) < 0)
				return parse_error(-EINVAL, err, errlen,
							"--dev: NAME or NAME:PORT");
		} else if (strcmp(a, "--dev2") == 0) {
			if (ib_bench_opts_parse_dev(val, o->dev2, sizeof(o->dev2), &o->port2) < 0)
				return parse_error(-EINVAL, err, errlen,
							"--dev2: NAME or NAME:PORT");
		} else if (strcmp(a, "--ib-port") == 0) {
			if (ib_bench_opts_parse_u64(val, 1, 255, &v) < 0)
				return parse_error(-EINVAL, err, errlen, "--ib-port: 1-255");
			o->port = (int)v;
		} else if (strcmp(a, "--gid-index") == 0) {
			if (ib_bench_opts_parse_u64(val, 0, 255, &v) < 0)
				return parse_error(-EINVAL, err, errlen, "--gid-index: 0-255");
			o->gid_index = (int)v;
		} else if (strcmp(a, "--tx-depth") == 0) {
			if (ib_bench_opts_parse_u64(val, 1, 4096, &v) < 0)
				return parse_error(-EINVAL, err, errlen, "--tx-depth: 1-4096");
			o->tx_depth = (int)v;
		} else {
			return parse_error(-EINVAL, err, errlen, "unknown option '%.64s'", a);
		}
		if (takes)
			i++;
	}
	if (iters_set && dur_set)
		return parse_error(-EINVAL, err, errlen,
					"--iters and --duration exclude each other");
	if (server && o->host[0])
		return parse_error(-EINVAL, err, errlen,
					"--server and --client exclude each other");
	if (o->role != IB_BENCH_LOOPBACK && o->dev2[0])
		return parse_error(-EINVAL, err, errlen, "--dev2 is for loopback runs only");
	if (o->test == IB_BENCH_SEND_LAT && o->bidir)
		return parse_error(-EINVAL, err, errlen, "--bidir is for bandwidth runs");
	if (o->test == IB_BENCH_SEND_LAT && !size_set) {
		o->sizes[0] = IB_BENCH_SIZE_MIN;
		o->nsizes = 1;
	}
	if (o->test == IB_BENCH_SEND_LAT && o->iters > IB_BENCH_LAT_ITERS_MAX)
		return parse_error(-EINVAL, err, errlen, "--lat: at most %llu iterations",
					(unsigned long long)IB_BENCH_LAT_ITERS_MAX);
	if (!dur_set && !iters_set)
		o->iters = o->test == IB_BENCH_SEND_LAT ? IB_BENCH_OPTS_ITERS_LAT_DEFAULT
							: IB_BENCH_OPTS_ITERS_BW_DEFAULT;
	if (dur_set) {
		o->iters = 0;
		/* short runs get proportionally short margins */
		if (o->warmup_ns > o->duration_ns / 4)
			o->warmup_ns = o->cooldown_ns = o->duration_ns / 4;
	} else {
		o->warmup_iters = o->iters / 10 < 1000 ? o->iters / 10 : 1000;
	}
	return 0;
}
