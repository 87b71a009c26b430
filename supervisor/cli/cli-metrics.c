/* cli-metrics.c - `h2box metrics [-o FILE]`: the daemon renders, the client prints or writes it. */
#include "supervisor/cli/cli-metrics.h"

#include "supervisor/cli/cli.h"
#include "supervisor/util/json.h"
#include "supervisor/util/statefile.h"

#include <stdio.h>
#include <string.h>

int cli_metrics_main(const char *path, bool json, int argc, char **argv)
{
	char *req[] = { "metrics", NULL };
	const char *out = NULL;
	struct cli_reply rep = { 0 };
	struct json *j;
	int r;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc &&
		    !out)
			out = argv[++i];
		else
			return cli_fail(json, 2, "usage: metrics [-o FILE]");
	}
	if (!out)
		return cli_call_print(path, json, 1, req, "metrics: ");
	/* the text itself, whatever --json says: the file is for node_exporter */
	r = cli_call(path, false, 1, req, &rep);
	if (r < 0)
		return cli_report_connect_error(json, path, r);
	if (rep.status != 0) {
		r = cli_fail(json, rep.status, "metrics: %s", rep.body ? rep.body : "failed");
		cli_reply_free(&rep);
		return r;
	}
	/* temp file, fsync, rename: the textfile collector never reads half a file */
	r = statefile_write(out, rep.body ? rep.body : "", rep.len);
	cli_reply_free(&rep);
	if (r < 0)
		return cli_fail(json, 1, "metrics: cannot write %s: %s", out, strerror(-r));
	if (!json)
		return 0;
	j = cli_json_ok_begin();
	if (j)
		json_string(j, "file", out);
	return cli_json_ok_print(j, "metrics");
}
