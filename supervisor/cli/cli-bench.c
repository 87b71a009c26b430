/* cli-bench.c - `h2box ib bench --local` and `ib selftest --local`: verbs in the client, without h2boxd. */
#include "supervisor/cli/cli-bench.h"
#include "supervisor/cli/cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ib_bench.h"
#include "hw/hw.h"
#include "supervisor/report/ib-probe.h"
#include "supervisor/report/ib-report.h"
#include "supervisor/report/ib-selftest.h"
#include "supervisor/util/json.h"

/*
 * The peer of a benchmark is often a host without h2boxd (the article's i5
 * PC on the other end of the cable): `--local` runs the same benchmark core
 * in this process on the real verbs, like perftest, and prints the same
 * report, with each row's share of the ceiling the link probe expects here.
 */

static volatile sig_atomic_t bench_stop;

static void on_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
}

static bool bench_cancelled(void *userdata)
{
	(void)userdata;
	return bench_stop != 0;
}

static int print_json_result(const struct ib_bench_report *rep)
{
	struct json *j = cli_json_ok_begin();

	if (j)
		ib_report_bench_json(rep, j);
	return cli_json_ok_print(j, "ib bench");
}

/* The probe's expected ceiling for the device and port the run will use (NAN if unknown). */
static void probe_ceiling(struct hw *hw, struct ib_bench_opts *o)
{
	char names[1][HW_IB_NAME_MAX];
	const char *dev = o->dev;

	if (!dev[0]) {
		if (hw_ib_devices(hw, names, 1) <= 0)
			return;
		dev = names[0];
	}
	o->ceiling_gbps = ib_probe_ceiling_gbps(hw, dev, o->port);
}

/*
 * `h2box ib selftest --local`: the same report in this process (the peer PC,
 * or the box before h2boxd is set up), with this process's memlock limit.
 */
static int cli_selftest_local_main(bool json, int n, char **args)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct ib_bench_report *rep = NULL;
	struct ib_selftest *st = NULL;
	char dev[HW_IB_NAME_MAX], err[256] = "";
	struct hw *hw = NULL;
	int port, r, status = 0;

	if (ib_selftest_args_parse(n, args, dev, sizeof(dev), &port, err, sizeof(err)) < 0)
		return cli_fail(json, 2, "%s --local", err);
	st = calloc(1, sizeof(*st));
	rep = calloc(1, sizeof(*rep));
	if (!st || !rep) {
		status = cli_fail(json, 1, "ib selftest: out of memory");
		goto out;
	}
	r = hw_linux_new(&hw);
	if (r < 0) {
		status = cli_fail(json, 1, "ib selftest: cannot open the hardware interfaces: %s",
				  strerror(-r));
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ib_selftest_collect(hw, dev, port, false, true, NULL, st);
	if (st->bench_wanted) {
		r = ib_bench_run(hw, &st->bench_opts, rep, bench_cancelled, NULL, err, sizeof(err));
		ib_selftest_bench_done(st, r, rep, err);
	}
	if (json) {
		struct json *j = json_new();
		const char *doc = NULL;

		if (j) {
			json_object_begin(j, NULL);
			json_bool(j, "ok", true);
			ib_selftest_json(st, j);
			json_object_end(j);
			doc = json_finish(j, NULL);
		}
		if (doc)
			printf("%s\n", doc);
		else
			status = cli_fail(true, 1, "ib selftest: cannot build the JSON report");
		json_free(j);
	} else {
		ib_selftest_text(st, stdout);
	}
out:
	if (hw)
		hw_free(hw);
	free(rep);
	free(st);
	return status;
}

int cli_bench_local_main(bool json, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct ib_bench_report *rep = NULL;
	struct ib_bench_opts o;
	struct hw *hw = NULL;
	char **args, err[256] = "";
	int n = 0, r, status;

	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return 1;
	/* argv: "ib" "bench" options...; the bench parser takes the options without --local */
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--local") != 0)
			args[n++] = argv[i];
	if (strcmp(argv[1], "selftest") == 0) {
		status = cli_selftest_local_main(json, n, args);
		goto out;
	}
	ib_bench_opts_defaults(&o);
	if (ib_bench_opts_parse(&o, n, args, err, sizeof(err)) < 0) {
		status = cli_fail(json, 2,
				  "ib bench: %s\nusage: h2box ib bench --local " IB_BENCH_USAGE_OPTIONS,
				  err);
		goto out;
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		status = cli_fail(json, 1, "ib bench: out of memory");
		goto out;
	}
	r = hw_linux_new(&hw);
	if (r < 0) {
		snprintf(err, sizeof(err), "cannot open the hardware interfaces: %s", strerror(-r));
	} else {
		/* Ctrl-C ends a server waiting for its client, or a long run, cleanly */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		probe_ceiling(hw, &o);
		r = ib_bench_run(hw, &o, rep, bench_cancelled, NULL, err, sizeof(err));
	}
	status = 0;
	if (r < 0)
		status = cli_fail(json, 1, "ib bench failed: %s", err[0] ? err : strerror(-r));
	else if (json)
		status = print_json_result(rep);
	else
		ib_report_bench_text(rep, stdout);
out:
	if (hw)
		hw_free(hw);
	free(rep);
	free(args);
	return status;
}
