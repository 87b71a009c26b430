/* cli-main.c - the h2box command line: global options, then h2boxd, record, plot, or h2box-hw (probe, --local). */
#include "supervisor/cli/cli-main.h"

#include "supervisor/cli/cli.h"
#include "supervisor/cli/cli-help.h"
#include "supervisor/cli/cli-hw.h"
#include "supervisor/cli/cli-record-main.h"
#include "supervisor/cli/cli-plot-main.h"
#include "supervisor/cli/cli-metrics.h"
#include "supervisor/cli/cli-socket.h"
#include "supervisor/util/json.h"
#include "supervisor/util/parse.h"

#include "h2box-version.h" /* generated from VERSION (build/gen) */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool cli_main_is_stream(int argc, char **argv)
{
	/* a benchmark on real hardware reports from a worker thread as a stream */
	if (argc >= 2 && strcmp(argv[0], "ib") == 0 &&
	    (strcmp(argv[1], "bench") == 0 || strcmp(argv[1], "selftest") == 0))
		return true;
	if (argc >= 1 && strcmp(argv[0], "watts") == 0)
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0)
				return true;
	return false;
}

/*
 * `--help` or `-h` among a command's words (before "--"): its usage, without the daemon.
 * record's command may follow its options without "--" (`record ls -h`): record decides.
 */
static bool cli_main_wants_help(int argc, char **argv)
{
	if (strcmp(argv[0], "record") == 0)
		return false;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* `h2box --version`: this client's version, without the daemon (which has its own: h2boxd -V) */
static int cli_main_version(bool json)
{
	struct json *j;

	if (!json) {
		printf("h2box %s\n", H2BOX_VERSION);
		return 0;
	}
	j = cli_json_ok_begin();
	if (j)
		json_string(j, "version", H2BOX_VERSION);
	return cli_json_ok_print(j, "version");
}

int cli_main(int argc, char **argv)
{
	struct cli_socket sock;
	char perr[96];
	const char *sock_opt = NULL, *path;
	char **words;
	int nwords = 0, r, timeout_ms = -1;
	bool json = false, dashdash = false, help = false, version = false;

	words = calloc((size_t)argc + 1, sizeof(*words));
	if (!words)
		return 1;
	/* --json is accepted anywhere before "--": find it first, so every error can honour it */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			json = true;
	/* Global options come first. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0)) {
			continue;
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0)) {
			if (i + 1 >= argc) {
				free(words);
				return cli_fail(json, 2, "%s needs a path", a);
			}
			sock_opt = argv[++i];
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-t") == 0 || strcmp(a, "--timeout") == 0)) {
			double t;

			if (i + 1 >= argc ||
			    parse_double(argv[i + 1], 0, 3600, &t, perr, sizeof(perr)) < 0) {
				free(words);
				return cli_fail(json, 2, "%s: seconds from 0 (no limit) to 3600%s%s", a,
						i + 1 < argc ? ": " : "", i + 1 < argc ? perr : "");
			}
			timeout_ms = (int)(t * 1000 + 0.5); /* t >= 0; no lround(): no libm */
			i++;
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			help = true;
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0)) {
			version = true;
		} else if (!dashdash && nwords == 0 && a[0] == '-') {
			free(words);
			return cli_fail(json, 2, "unknown option '%s': try 'h2box --help'", a);
		} else {
			if (strcmp(a, "--") == 0)
				dashdash = true;
			words[nwords++] = argv[i];
		}
	}
	if (version && nwords == 0 && !help) {
		free(words);
		return cli_main_version(json);
	}
	if (help && nwords == 0) {
		free(words);
		return cli_help_command(json, NULL);
	}
	if (nwords == 0) {
		free(words);
		if (json)
			return cli_fail(true, 2, "no command: try 'h2box --help'");
		cli_help_print(stderr);
		return 2;
	}
	if (help || cli_main_wants_help(nwords, words)) {
		r = cli_help_command(json, words[0]);
		free(words);
		return r;
	}
	if (timeout_ms >= 0)
		cli_timeout_set(timeout_ms, timeout_ms);
	else if (nwords >= 2 && strcmp(words[0], "sim") == 0 && strcmp(words[1], "advance") == 0)
		cli_timeout_set(CLI_TIMEOUT_DEFAULT_MS, 0);
	if (strcmp(words[0], "plot") == 0) { /* a file in, a file out: no daemon */
		r = cli_plot_main(json, nwords, words);
		free(words);
		return r;
	}
	if (cli_hw_wants(nwords, words)) { /* probe, ib bench|selftest --local: no daemon */
		r = cli_hw_exec(json, nwords, words);
		free(words);
		return r;
	}
	cli_socket_candidates(&sock, sock_opt);
	path = cli_socket_pick(&sock);
	if (!path) {
		r = cli_socket_report(json, &sock);
		free(words);
		return r;
	}

	if (strcmp(words[0], "metrics") == 0) {
		r = cli_metrics_main(path, json, nwords, words);
		free(words);
		return r;
	}
	if (strcmp(words[0], "record") == 0) {
		r = cli_record_main(path, json, nwords, words);
		free(words);
		return r;
	}
	if (cli_main_is_stream(nwords, words)) {
		r = cli_stream(path, json, nwords, words, stdout);
		if (r == -E2BIG || r == -EINVAL)
			r = cli_fail(json, 2, "request too long or has an empty argument");
		else if (r < 0)
			r = cli_report_connect_error(json, path, r);
		free(words);
		return r;
	}
	r = cli_call_print(path, json, nwords, words, "");
	free(words);
	return r;
}
