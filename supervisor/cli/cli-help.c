/* cli-help.c - the h2box client's usage text: `h2box --help` and `h2box COMMAND --help`. */
#include "supervisor/cli/cli-help.h"
#include "supervisor/cli/cli.h"

#include "drivers/ib_bench.h"
#include "supervisor/util/json.h"

#include <stdlib.h>
#include <string.h>

/* One entry per command: its usage lines, for `h2box --help` and `h2box COMMAND --help`. */
static const struct cli_usage {
	const char *verb;
	const char *lines;
} cli_usages[] = {
	{ "status", "  status                         power, watts, temperatures, fan, IB, alarms\n" },
	{ "power", "  power on|off|cycle|force-off|clear|status\n" },
	{ "fan", "  fan auto | set PCT [--for DURATION] | profile NAME [--until HH:MM] | profile --list |\n"
		 "      status | calibrate\n" },
	{ "watts", "  watts [--follow] [--interval S]\n" },
	{ "record", "  record [-o FILE.csv] [--plot FILE.svg|png] [--interval S] -- COMMAND ARGS...\n"
		    "  record [-o FILE.csv] [--plot FILE.svg|png] [--interval S] --copy SRC DST|DIR\n" },
	{ "plot", "  plot RECORD.csv -o FILE.svg|png  draw a record (gnuplot): watts and energy,\n"
		  "                                 temperatures, fan, IB Gb/s; alarms marked\n" },
	{ "metrics", "  metrics [-o FILE]               Prometheus metrics, as GET /metrics serves them;\n"
		     "                                 -o: written atomically (node_exporter textfile)\n" },
	{ "alarms", "  alarms                         active alarms and history\n" },
	{ "budget", "  budget                         power budget governor and throttle ladder\n" },
	{ "history", "  history                        the last hour of watts, temperatures, fan duty\n"
		     "                                 and IB rate, one sample every 10 s\n" },
	{ "ib", "  ib link | counters | selftest [--local] [--dev NAME[:PORT]] |\n"
		"  ib bench [--local] " IB_BENCH_USAGE_OPTIONS "\n"
		"                                 (selftest: the first command on a new card, a\n"
		"                                 report for a bug; --local: in this process, without\n"
		"                                 h2boxd, e.g. on the peer host)\n" },
	{ "sim", "  sim button [--hold S] | workload NAME|--list | ambient C | load W |\n"
		 "      fault NAME on|off | fault --list | time [HH:MM] | speed F | advance DURATION |\n"
		 "      poweroff | status\n" },
	{ "probe", "  probe [--i2c-bus N]... [--pwm-test [--yes] [--settle DURATION]] [--write FILE]\n"
		   "                                 find GPIO lines, INA2xx/EMC2305/LM75 on the named\n"
		   "                                 I2C buses, the ConnectX card and its ports, without\n"
		   "                                 h2boxd; print a profile (every guess commented) or\n"
		   "                                 write it to a new FILE.  Read-only, except\n"
		   "                                 --pwm-test: steps each fan output after a yes\n"
		   "                                 (--yes) to pair it with its tach, then restores it\n" },
	{ "ping", "  ping                           check that h2boxd answers\n" },
	{ "help", "  help                           the commands this daemon serves\n" },
};

static const char cli_help_head[] =
	"usage: h2box [-s SOCKET] [--json] [--timeout S] COMMAND [ARGS...]\n";
static const char cli_help_options[] =
	"Options:\n"
	"  -s, --socket PATH   the daemon's socket (default $H2BOX_SOCKET, else\n"
	"                      /run/h2box/h2box.sock, then $XDG_RUNTIME_DIR/h2box.sock)\n"
	"  -j, --json          machine-readable output (accepted anywhere on the line): exactly\n"
	"                      one JSON document on stdout (JSON lines for streams), errors too\n"
	"  -t, --timeout S     give up when h2boxd does not accept or answer within S seconds\n"
	"                      (default 10; 0 waits for ever; streams and `sim advance` are not\n"
	"                      limited once they started)\n"
	"  -h, --help          this help; `h2box COMMAND --help` for one command\n"
	"  -V, --version       print the version\n"
	"Exit status: 0 ok, 1 failed, 2 usage, 3 refused or busy, 4 permission denied,\n"
	"5 daemon not reachable or not answering.\n";

void cli_help_print(FILE *f)
{
	fputs(cli_help_head, f);
	fputs("Talks to h2boxd, the ODROID-H2 box supervisor.\n\nCommands:\n", f);
	for (size_t i = 0; i < sizeof(cli_usages) / sizeof(cli_usages[0]); i++)
		fputs(cli_usages[i].lines, f);
	fputc('\n', f);
	fputs(cli_help_options, f);
}

int cli_help_command(bool json, const char *verb)
{
	const struct cli_usage *u = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; verb && i < sizeof(cli_usages) / sizeof(cli_usages[0]); i++)
		if (strcmp(cli_usages[i].verb, verb) == 0)
			u = &cli_usages[i];
	if (verb && !u)
		return cli_fail(json, 2, "unknown command '%.64s': try 'h2box --help'", verb);
	f = open_memstream(&text, &len);
	if (!f)
		return cli_fail(json, 1, "out of memory");
	if (u)
		fprintf(f, "%s%s", cli_help_head, u->lines);
	else
		cli_help_print(f);
	if (fclose(f) != 0) {
		free(text);
		return cli_fail(json, 1, "out of memory");
	}
	if (json) {
		struct json *j = cli_json_ok_begin();

		if (j) {
			json_string(j, "command", verb);
			json_string(j, "usage", text);
		}
		free(text);
		return cli_json_ok_print(j, "help");
	}
	fputs(text, stdout);
	free(text);
	return 0;
}
