/* cli-record-main.c - `h2box record`: watts, energy and IB traffic while a command runs. */
#include "supervisor/cli/cli-record-main.h"

#include "supervisor/cli/cli.h"
#include "supervisor/cli/cli-help.h"
#include "supervisor/cli/cli-plot.h"
#include "supervisor/cli/cli-plot-main.h"
#include "supervisor/cli/cli-record.h"
#include "supervisor/cli/cli-record-run.h"
#include "supervisor/cli/cli-record-stream.h"
#include "supervisor/util/json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char record_usage[] =
	"usage: h2box [--json] record [-o FILE.csv] [--plot FILE.svg|png] [--interval S] -- COMMAND [ARGS...]\n"
	"       h2box [--json] record [-o FILE.csv] [--plot FILE.svg|png] [--interval S] --copy SRC DST|DIR\n"
	"       h2box [--json] record begin | end ID      (the daemon's verbs)\n";


/* `record begin` / `record end ID` typed by hand: the daemon's verbs, passed through. */
static int cli_record_main_passthrough(const char *path, bool json, int argc, char **argv)
{
	return cli_call_print(path, json, argc, argv, "record: ");
}

struct cli_record_main_result {
	int status;
	bool copied;
	uint64_t copy_bytes;
	double copy_s;
	unsigned samples;
	const char *plot;  /* the drawn file, NULL when none was asked or drawing failed */
	char plot_err[300]; /* why drawing failed */
};

/* What only the client knows, as JSON members for the daemon's summary; NULL on error. */
static struct json *cli_record_main_extra_json(const struct cli_record_opts *o,
					       const struct cli_record_main_result *res)
{
	struct json *j = json_new();

	if (!j)
		return NULL;
	json_object_begin(j, NULL);
	json_int(j, "exit_status", res->status);
	json_uint(j, "stream_samples", res->samples);
	json_array_begin(j, "command");
	if (o->copy) {
		json_string(j, NULL, "copy");
		json_string(j, NULL, o->copy_src);
		json_string(j, NULL, o->copy_dst);
	}
	for (int i = 0; i < o->ncmd; i++)
		json_string(j, NULL, o->cmd[i]);
	json_array_end(j);
	if (o->copy && res->copied) {
		json_uint(j, "copy_bytes", res->copy_bytes);
		json_number(j, "copy_s", res->copy_s, 6);
		json_number(j, "copy_gbps", cli_record_gbps((double)res->copy_bytes, res->copy_s),
			    4);
	}
	if (o->out_path)
		json_string(j, "csv", o->out_path);
	if (res->plot)
		json_string(j, "plot", res->plot);
	else if (o->plot_path)
		json_string(j, "plot_error", res->plot_err);
	json_object_end(j);
	return j;
}

static void cli_record_main_print(const struct cli_record_opts *o, bool json,
				  const struct cli_reply *end,
				  const struct cli_record_main_result *res)
{
	if (json) {
		struct json *x = cli_record_main_extra_json(o, res);
		const char *extra = x ? json_finish(x, NULL) : NULL;
		size_t n = end->len;

		/* the daemon's summary object, with what only the client knows added inside it */
		while (n > 0 && (end->body[n - 1] == '\n' || end->body[n - 1] == ' '))
			n--;
		if (n == 0 || end->body[n - 1] != '}' || !extra || extra[0] != '{') {
			fwrite(end->body, 1, end->len, stdout);
		} else {
			fwrite(end->body, 1, n - 1, stdout);
			printf(",%s\n", extra + 1);
		}
		json_free(x);
		return;
	}
	if (o->copy) {
		printf("command       copy %s -> %s (exit %d)\n", o->copy_src, o->copy_dst,
		       res->status);
		if (res->copied)
			printf("copy          %llu bytes in %.3f s = %.3f Gb/s (bytes x 8 / s / 1e9)\n",
			       (unsigned long long)res->copy_bytes, res->copy_s,
			       cli_record_gbps((double)res->copy_bytes, res->copy_s));
	} else {
		printf("command       ");
		for (int i = 0; i < o->ncmd; i++)
			printf("%s%s", i ? " " : "", o->cmd[i]);
		printf(" (exit %d)\n", res->status);
	}
	fwrite(end->body, 1, end->len, stdout);
	if (o->out_path)
		printf("samples       %u written to %s\n", res->samples, o->out_path);
	if (res->plot)
		printf("plot          %s\n", res->plot);
}

/* The daemon refused a request: its message with --json as the one document, else on stderr. */
static int cli_record_main_daemon_error(bool json, const char *what, struct cli_reply *rep)
{
	int status = rep->status;
	char *msg = rep->body;
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (json && msg[0] == '{')
		printf("%s\n", msg); /* already {"ok":false,...} */
	else if (json)
		cli_fail(json, status, "record %s: %s", what, msg);
	else
		fprintf(stderr, "h2box: record %s: %s\n", what, msg);
	cli_reply_free(rep);
	return status;
}

int cli_record_main(const char *socket_path, bool json, int argc, char **argv)
{
	struct cli_record_opts o;
	struct cli_record_stream st = { .fd = -1 };
	struct cli_record_main_result res = { 0 };
	struct cli_reply rep;
	char err[600], idbuf[24], dstbuf[4096];
	char tmp_csv[] = "/tmp/h2box-record-XXXXXX";
	bool tmp_used = false;
	enum cli_plot_format fmt;
	char *begin_words[] = { "record", "begin" };
	char *end_words[] = { "record", "end", idbuf };
	int in = -1, out = -1;
	double id;
	int r, ret = 1;

	if (argc >= 2 && (!strcmp(argv[1], "begin") || !strcmp(argv[1], "end")))
		return cli_record_main_passthrough(socket_path, json, argc, argv);
	if (cli_record_args_parse(argc, argv, &o, err, sizeof(err)) < 0)
		return cli_fail(json, 2, "record: %s\n%s", err, record_usage);
	if (o.help)
		return cli_help_command(json, "record");
	if (o.copy) {
		r = cli_record_run_copy_open(o.copy_src, o.copy_dst, &in, &out, dstbuf, sizeof(dstbuf),
					     err, sizeof(err));
		if (r < 0)
			return cli_fail(json, 1, "record: %s", err);
		o.copy_dst = dstbuf;
	}
	if (o.plot_path && cli_plot_format_of(o.plot_path, &fmt) < 0) {
		ret = cli_fail(json, 2, "record: --plot %s: give a .svg or .png file", o.plot_path);
		goto out_files;
	}
	if (o.plot_path && !o.out_path) {
		/* the samples are needed for the drawing even when no CSV was asked for */
		int tfd = mkstemp(tmp_csv);

		if (tfd < 0) {
			ret = cli_fail(json, 1, "record: temporary CSV: %s", strerror(errno));
			goto out_files;
		}
		close(tfd);
		o.out_path = tmp_csv;
		tmp_used = true;
	}
	if (o.out_path && (cli_record_run_same_file(o.out_path, in) ||
			   cli_record_run_same_file(o.out_path, out))) {
		ret = cli_fail(json, 1, "record: -o %s is a file of the copy", o.out_path);
		goto out_files;
	}
	if (o.out_path) {
		st.csv = fopen(o.out_path, "we");
		if (!st.csv) {
			ret = cli_fail(json, 1, "record: %s: %s", o.out_path, strerror(errno));
			goto out_files;
		}
	}

	err[0] = '\0';
	r = cli_record_stream_start(&st, socket_path, o.interval_s, err, sizeof(err));
	if (r < 0) {
		ret = cli_report_connect_error(json, socket_path, r);
		goto out_files;
	}
	if (r > 0) {
		ret = cli_fail(json, r, "record: %s", err);
		goto out_files;
	}
	r = cli_call(socket_path, true, 2, begin_words, &rep);
	if (r < 0) {
		ret = cli_report_connect_error(json, socket_path, r);
		goto out_stream;
	}
	if (rep.status) {
		ret = cli_record_main_daemon_error(json, "begin", &rep);
		goto out_stream;
	}
	if (cli_record_json_number(rep.body, "id", &id) < 0 || !(id >= 1)) {
		cli_reply_free(&rep);
		ret = cli_fail(json, 1, "record begin: no record id in the reply");
		goto out_stream;
	}
	cli_reply_free(&rep);
	snprintf(idbuf, sizeof(idbuf), "%.0f", id);

	if (o.copy) {
		r = cli_record_run_copy(in, out, o.copy_src, o.copy_dst, &res.copy_bytes, &res.copy_s);
		in = out = -1;
		res.copied = r == 0;
		res.status = r == 0 ? 0 : 1;
	} else {
		res.status = cli_record_run_command(o.cmd, o.ncmd);
	}
	cli_record_stream_stop(&st);
	res.samples = st.samples;
	if (st.write_err)
		fprintf(stderr, "h2box: record: writing %s: %s\n", o.out_path,
			strerror(st.write_err));

	r = cli_call(socket_path, json, 3, end_words, &rep);
	if (r < 0) {
		ret = cli_report_connect_error(json, socket_path, r);
		ret = res.status ? res.status : ret;
		goto out_files;
	}
	if (rep.status) {
		ret = cli_record_main_daemon_error(json, "end", &rep);
		ret = res.status ? res.status : ret;
		goto out_files;
	}
	if (o.plot_path && st.csv && fflush(st.csv) == 0) {
		struct cli_plot_summary sum;

		if (cli_plot_file(o.out_path, o.plot_path, &sum, res.plot_err,
				  sizeof(res.plot_err)) == 0)
			res.plot = o.plot_path;
		else
			fprintf(stderr, "h2box: record --plot: %s\n", res.plot_err);
	}
	if (tmp_used)
		o.out_path = NULL; /* not the user's file: not named in the summary */
	cli_record_main_print(&o, json, &rep, &res);
	fflush(stdout);
	cli_reply_free(&rep);
	/* the exit status is the command's and the record's: a drawing that could not be made (a
	 * record too short to draw) is said on stderr and in "plot_error", the record stands */
	ret = st.write_err && !res.status ? 1 : res.status;
	goto out_files;
out_stream:
	cli_record_stream_stop(&st);
out_files:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (st.csv && fclose(st.csv) != 0 && ret == 0) {
		fprintf(stderr, "h2box: record: %s: %s\n", o.out_path, strerror(errno));
		ret = 1;
	}
	if (tmp_used)
		unlink(tmp_csv);
	return ret;
}
