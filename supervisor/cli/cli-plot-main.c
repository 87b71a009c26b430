/* cli-plot-main.c - `h2box plot RECORD.csv -o FILE.svg|png`: a record drawn by gnuplot. */
#include "supervisor/cli/cli-plot-main.h"

#include "supervisor/cli/cli.h"
#include "supervisor/cli/cli-help.h"
#include "supervisor/cli/cli-plot.h"
#include "supervisor/util/json.h"
#include "supervisor/util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char plot_usage[] = "usage: h2box [--json] plot RECORD.csv -o FILE.svg|FILE.png\n";

/* Read the CSV into p; 0, or -errno / -EINVAL with "FILE:LINE: why" in err. */
static int cli_plot_read(const char *csv, struct cli_plot *p, char *err, size_t errlen)
{
	char line[2048], why[200];
	unsigned no = 0;
	FILE *f = fopen(csv, "re");
	int r = 0;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", csv, strerror(errno));
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		no++;
		if (n && line[n - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line longer than %zu bytes", csv, no,
				 sizeof(line) - 2);
			r = -EINVAL;
			break;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (no == 1) {
			r = cli_plot_header(p, line, why, sizeof(why));
			if (r < 0) {
				snprintf(err, errlen, "%s:1: %s", csv, why);
				break;
			}
			continue;
		}
		if (!n)
			continue;
		r = cli_plot_row(p, line);
		if (r < 0) {
			snprintf(err, errlen, "%s:%u: not a sample row of this file's %d columns", csv,
				 no, p->ncols);
			break;
		}
	}
	if (!r && ferror(f)) {
		r = -EIO;
		snprintf(err, errlen, "%s: read error", csv);
	}
	fclose(f);
	if (!r && no == 0) {
		snprintf(err, errlen, "%s: empty file", csv);
		r = -EINVAL;
	}
	if (!r && p->rows < 2) {
		snprintf(err, errlen, "%s: fewer than two samples: nothing to draw", csv);
		r = -EINVAL;
	}
	return r;
}

/* gnuplot over a script file, without a shell; its own messages go to our stderr. */
static int cli_plot_gnuplot(const char *script, char *err, size_t errlen)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	struct spawn_opts o = { .search_path = true, .stdin_null = true };
	pid_t pid;
	int st, r;

	r = spawn_start(argv, &o, &pid);
	if (r == -ENOENT) {
		snprintf(err, errlen, "gnuplot not found: install it (apt install gnuplot-nox)");
		return r;
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot start gnuplot: %s", strerror(-r));
		return r;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waiting for gnuplot: %s", strerror(errno));
			return -errno;
		}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "gnuplot failed (%s %d)", WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -EIO;
	}
	return 0;
}

int cli_plot_file(const char *csv, const char *out, struct cli_plot_summary *sum, char *err,
		  size_t errlen)
{
	struct cli_plot *p;
	enum cli_plot_format fmt;
	char script[] = "/tmp/h2box-plot-XXXXXX";
	struct stat sb;
	FILE *f;
	int fd, r;

	if (cli_plot_format_of(out, &fmt) < 0) {
		snprintf(err, errlen, "%s: give a .svg or .png file", out);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = cli_plot_read(csv, p, err, errlen);
	if (r < 0)
		goto out;
	cli_plot_summary_get(p, sum);
	fd = mkstemp(script);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "temporary script: %s", strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		snprintf(err, errlen, "temporary script: %s", strerror(-r));
		goto out_unlink;
	}
	r = cli_plot_script(p, sum, csv, out, fmt, f);
	if (fclose(f) != 0 && !r)
		r = -EIO;
	if (r < 0) {
		snprintf(err, errlen, "%s", r == -EINVAL ? "a file name with a line break" :
						    "writing the temporary script failed");
		goto out_unlink;
	}
	r = cli_plot_gnuplot(script, err, errlen);
	if (!r && (stat(out, &sb) < 0 || sb.st_size == 0)) {
		snprintf(err, errlen, "%s: gnuplot wrote nothing", out);
		r = -EIO;
	}
out_unlink:
	unlink(script);
out:
	free(p);
	return r;
}

static int cli_plot_print(bool json, const char *csv, const char *out,
			   const struct cli_plot_summary *s)
{
	if (json) {
		struct json *j = cli_json_ok_begin();

		if (j) {
			json_string(j, "csv", csv);
			json_string(j, "output", out);
			json_number(j, "duration_s", s->duration_s, 3);
			json_number(j, "avg_w", s->avg_w, 3);
			json_number(j, "energy_j", s->energy_j, 3);
			json_number(j, "ib_gb", s->gb, 3);
			json_number(j, "j_per_gb", s->j_per_gb, 3);
		}
		return cli_json_ok_print(j, "plot");
	}
	printf("plot          %s -> %s\n", csv, out);
	if (isfinite(s->avg_w))
		printf("summary       %.3f s, avg %.2f W, %.3f Wh%s", s->duration_s, s->avg_w, s->wh,
		       isfinite(s->j_per_gb) ? "" : "\n");
	if (isfinite(s->avg_w) && isfinite(s->j_per_gb))
		printf(", %.1f J/GB (IB bytes from the rate samples)\n", s->j_per_gb);
	return 0;
}

int cli_plot_main(bool json, int argc, char **argv)
{
	const char *csv = NULL, *out = NULL;
	struct cli_plot_summary sum;
	char err[600];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return cli_help_command(json, "plot");
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (++i >= argc)
				return cli_fail(json, 2, "plot: -o needs a file\n%s", plot_usage);
			out = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_fail(json, 2, "plot: unknown option '%.64s'\n%s", argv[i], plot_usage);
		} else if (!csv) {
			csv = argv[i];
		} else {
			return cli_fail(json, 2, "plot: one CSV file only\n%s", plot_usage);
		}
	}
	if (!csv || !out)
		return cli_fail(json, 2, "plot: give a record CSV and -o FILE\n%s", plot_usage);
	if (cli_plot_file(csv, out, &sum, err, sizeof(err)) < 0)
		return cli_fail(json, 1, "plot: %s", err);
	return cli_plot_print(json, csv, out, &sum);
}
