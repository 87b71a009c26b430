/* h2box-hw.c - main() of h2box-hw: the client's commands that open the hardware, exec'd by h2box. */
#include "supervisor/cli/cli-bench.h"
#include "supervisor/cli/cli-hw.h"
#include "supervisor/cli/cli-probe.h"
#include "supervisor/cli/cli.h"

#include <stdbool.h>
#include <string.h>

/*
 * Installed as PREFIX/lib/h2box/h2box-hw, not on PATH: h2box execs it with [--json] and the
 * command's words (cli-hw.h), so the usage, --help and every message stay h2box's.
 */
int main(int argc, char **argv)
{
	bool json = false;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = true;
		i++;
	}
	if (i < argc && strcmp(argv[i], "probe") == 0)
		return cli_probe_main(json, argc - i, argv + i);
	if (cli_hw_is_bench_local(argc - i, argv + i))
		return cli_bench_local_main(json, argc - i, argv + i);
	return cli_fail(json, 2, "h2box-hw runs `h2box probe` and `h2box ib bench|selftest --local`:"
			" use h2box");
}
