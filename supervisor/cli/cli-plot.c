/* cli-plot.c - the pure parts of `h2box plot`: a record CSV's columns and summary, the gnuplot script. */
#include "supervisor/cli/cli-plot.h"

#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CLI_PLOT_CELLS_MAX 64
/* A panel for a quantity the file lacks: gnuplot refuses a plot with no defined point, so a
 * constant outside the fixed range draws the empty frame. */
#define CLI_PLOT_EMPTY "set yrange [0:1]\nplot -1 notitle"

/*
 * Split a record CSV line at its commas, in place.  The recorder never quotes (it replaces a
 * comma in a string with '_'), so a plain split is the whole grammar.  The cell count.
 */
static int cli_plot_split(char *line, char *cells[], int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *c = strchr(p, ',');

		if (n < max)
			cells[n] = p;
		n++;
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static double cli_plot_num(char *const cells[], int ncells, int col)
{
	char *end;
	double v;

	if (col < 1 || col > ncells || !cells[col - 1][0])
		return NAN;
	errno = 0;
	v = strtod(cells[col - 1], &end);
	return end == cells[col - 1] || *end || errno == ERANGE || !isfinite(v) ? NAN : v;
}

int cli_plot_header(struct cli_plot *p, const char *line, char *err, size_t errlen)
{
	char buf[2048], *cells[CLI_PLOT_CELLS_MAX];
	int n;

	memset(p, 0, sizeof(*p));
	p->t0 = p->t1 = p->e0 = p->e1 = p->last_t = NAN;
	if (strlen(line) >= sizeof(buf))
		return parse_error(-EINVAL, err, errlen, "header line too long");
	strcpy(buf, line);
	n = cli_plot_split(buf, cells, CLI_PLOT_CELLS_MAX);
	if (n > CLI_PLOT_CELLS_MAX)
		return parse_error(-EINVAL, err, errlen, "more than %d columns", CLI_PLOT_CELLS_MAX);
	p->ncols = n;
	for (int i = 0; i < n; i++) {
		const char *c = cells[i];
		size_t len = strlen(c);
		int col = i + 1;

		if (!strcmp(c, "mono_s"))
			p->col_mono = col;
		else if (!strcmp(c, "watts"))
			p->col_watts = col;
		else if (!strcmp(c, "energy_j"))
			p->col_energy = col;
		else if (!strcmp(c, "fan_duty_pct"))
			p->col_fan = col;
		else if (!strcmp(c, "fan_rpm"))
			p->col_rpm = col;
		else if (!strcmp(c, "ib_tx_gbps"))
			p->col_tx = col;
		else if (!strcmp(c, "ib_rx_gbps"))
			p->col_rx = col;
		else if (!strcmp(c, "alarms"))
			p->col_alarms = col;
		else if (len > 7 && !strcmp(c + len - 7, "_temp_c") && p->ntemps < CLI_RECORD_TEMPS_MAX &&
			 len - 7 < CLI_RECORD_NAME_MAX) {
			p->col_temp[p->ntemps] = col;
			memcpy(p->temp_name[p->ntemps], c, len - 7);
			p->temp_name[p->ntemps][len - 7] = '\0';
			p->ntemps++;
		}
	}
	if (!p->col_mono || !p->col_watts)
		return parse_error(-EINVAL, err, errlen,
				   "not an `h2box record -o` CSV: no mono_s and watts columns");
	return 0;
}

/* Alarms raised since the previous row (ids in this row's set, not in the last one's). */
static void cli_plot_row_alarms(struct cli_plot *p, const char *set, double t)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", set);
	for (char *id = strtok_r(copy, ";", &save); id; id = strtok_r(NULL, ";", &save)) {
		const char *q = p->alarms_prev;
		size_t k = strlen(id);
		bool seen = false;

		while ((q = strstr(q, id))) {
			if ((q == p->alarms_prev || q[-1] == ';') && (q[k] == ';' || q[k] == '\0'))
				seen = true;
			q += k;
		}
		if (!seen && p->nmarkers < CLI_PLOT_MARKERS_MAX) {
			p->markers[p->nmarkers].t = t;
			snprintf(p->markers[p->nmarkers].id, sizeof(p->markers[0].id), "%s", id);
			p->nmarkers++;
		}
	}
	snprintf(p->alarms_prev, sizeof(p->alarms_prev), "%s", set);
}

int cli_plot_row(struct cli_plot *p, const char *line)
{
	char buf[2048], *cells[CLI_PLOT_CELLS_MAX];
	double t, w, e, gbps;
	int n;

	if (strlen(line) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, line);
	n = cli_plot_split(buf, cells, CLI_PLOT_CELLS_MAX);
	if (n != p->ncols)
		return -EINVAL;
	t = cli_plot_num(cells, n, p->col_mono);
	if (isnan(t))
		return -EINVAL; /* every sample has its time */
	if (isnan(p->t0))
		p->t0 = t;
	p->t1 = t;
	w = cli_plot_num(cells, n, p->col_watts);
	if (isfinite(w)) {
		p->watt_sum += w;
		p->watt_n++;
	}
	e = cli_plot_num(cells, n, p->col_energy);
	if (isfinite(e)) {
		if (isnan(p->e0))
			p->e0 = e;
		p->e1 = e;
	}
	/* bytes from the rates: each sample's rate held since the previous sample */
	gbps = 0;
	if (p->col_tx || p->col_rx) {
		double tx = cli_plot_num(cells, n, p->col_tx), rx = cli_plot_num(cells, n, p->col_rx);

		gbps = (isfinite(tx) ? tx : 0) + (isfinite(rx) ? rx : 0);
		if (isfinite(p->last_t) && t > p->last_t)
			p->bytes += gbps * 1e9 / 8.0 * (t - p->last_t);
	}
	p->last_t = t;
	if (p->col_alarms && p->col_alarms <= n)
		cli_plot_row_alarms(p, cells[p->col_alarms - 1], t - p->t0);
	p->rows++;
	return 0;
}

void cli_plot_summary_get(const struct cli_plot *p, struct cli_plot_summary *s)
{
	s->duration_s = p->rows >= 2 ? p->t1 - p->t0 : NAN;
	s->energy_j = isfinite(p->e0) && p->e1 >= p->e0 ? p->e1 - p->e0 : NAN;
	s->wh = s->energy_j / 3600.0;
	if (isfinite(s->energy_j) && s->duration_s > 0)
		s->avg_w = s->energy_j / s->duration_s;
	else
		s->avg_w = p->watt_n ? p->watt_sum / p->watt_n : NAN;
	s->gb = (p->col_tx || p->col_rx) && p->rows >= 2 ? p->bytes / 1e9 : NAN;
	s->j_per_gb = s->gb > 0 && isfinite(s->energy_j) ? s->energy_j / s->gb : NAN;
}

int cli_plot_format_of(const char *out_path, enum cli_plot_format *fmt)
{
	size_t n = strlen(out_path);

	if (n > 4 && !strcasecmp(out_path + n - 4, ".svg"))
		*fmt = CLI_PLOT_SVG;
	else if (n > 4 && !strcasecmp(out_path + n - 4, ".png"))
		*fmt = CLI_PLOT_PNG;
	else
		return -EINVAL;
	return 0;
}

/* A gnuplot single-quoted string: nothing is special in it but the quote, written twice. */
static int cli_plot_quote(FILE *f, const char *s)
{
	if (strchr(s, '\n') || strchr(s, '\r'))
		return -EINVAL;
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
	return 0;
}

/* " 12.3 unit" or "" when unknown, for the title */
static void cli_plot_fig(char *buf, size_t len, const char *name, double v, int dec,
			 const char *unit)
{
	if (isfinite(v))
		snprintf(buf, len, "   %s %.*f %s", name, dec, v, unit);
	else
		buf[0] = '\0';
}

static void cli_plot_markers(const struct cli_plot *p, const struct cli_plot_summary *s, FILE *f)
{
	double end = isfinite(s->duration_s) ? s->duration_s : 0;

	/* start and end of the record, then each alarm raised, on every panel */
	fprintf(f, "set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb '#2a7f3f' dt 2 front\n");
	fprintf(f, "set label 1 'start' at 0, graph 1.02 tc rgb '#2a7f3f'\n");
	fprintf(f, "set arrow 2 from %.3f, graph 0 to %.3f, graph 1 nohead lc rgb '#2a7f3f' dt 2 front\n",
		end, end);
	fprintf(f, "set label 2 'end' at %.3f, graph 1.02 right tc rgb '#2a7f3f'\n", end);
	for (int i = 0; i < p->nmarkers; i++) {
		fprintf(f, "set arrow %d from %.3f, graph 0 to %.3f, graph 1 nohead lc rgb '#c0392b' lw 1.5 front\n",
			10 + i, p->markers[i].t, p->markers[i].t);
		fprintf(f, "set label %d ", 10 + i);
		cli_plot_quote(f, p->markers[i].id); /* ids hold no newline (checked at parse) */
		fprintf(f, " at %.3f, graph 0.95 rotate by 90 right offset 1,0 tc rgb '#c0392b' front\n",
			p->markers[i].t);
	}
}

/* `using (column(mono)-t0):(column(c))` of one series, with its title. */
static void cli_plot_series(FILE *f, const struct cli_plot *p, bool first, const char *data,
			    int col, const char *scale, const char *title, const char *axes)
{
	/* an empty cell (unknown) is undefined, so the line breaks there instead of bridging the
	 * gap with a value nobody measured */
	fprintf(f, "%s%s using (column(%d)-%.3f):(strcol(%d) eq '' ? 1/0 : column(%d)%s) "
		   "with lines lw 1.5 %s title ",
		first ? "plot " : ", \\\n     ", first ? data : "''", p->col_mono,
		isfinite(p->t0) ? p->t0 : 0.0, col, col, scale ? scale : "", axes ? axes : "");
	cli_plot_quote(f, title);
}

int cli_plot_script(const struct cli_plot *p, const struct cli_plot_summary *s,
		    const char *csv_path, const char *out_path, enum cli_plot_format fmt, FILE *f)
{
	char w[48], e[48], jg[48], d[48], data[4200];
	bool any;
	FILE *q;

	if (strchr(csv_path, '\n') || strchr(out_path, '\n') || strchr(csv_path, '\r') ||
	    strchr(out_path, '\r') || strlen(csv_path) > 4000)
		return -EINVAL;
	/* the data file once, quoted, for the first series of each plot */
	q = fmemopen(data, sizeof(data), "w");
	if (!q)
		return -ENOMEM;
	cli_plot_quote(q, csv_path);
	fclose(q);

	if (fmt == CLI_PLOT_SVG)
		fprintf(f, "set terminal svg size 1000,1200 dynamic background rgb 'white' font 'sans,11'\n");
	else
		fprintf(f, "set terminal pngcairo size 1000,1200 background rgb 'white' font 'sans,10'\n");
	fprintf(f, "set output ");
	cli_plot_quote(f, out_path);
	/* names and ids as written: no enhanced-text subscripts from an underscore */
	fprintf(f, "\nset termoption noenhanced\n"
		   "set datafile separator ','\n"
		   "set key top left horizontal\n"
		   "set grid\n"
		   "set lmargin 10\nset rmargin 10\n");
	fprintf(f, "set xrange [0:%.3f]\n", isfinite(s->duration_s) && s->duration_s > 0 ?
							s->duration_s : 1.0);
	cli_plot_fig(d, sizeof(d), "", s->duration_s, 0, "s");
	cli_plot_fig(w, sizeof(w), "avg", s->avg_w, 2, "W");
	cli_plot_fig(e, sizeof(e), "", s->wh, 3, "Wh");
	cli_plot_fig(jg, sizeof(jg), "", s->j_per_gb, 1, "J/GB");
	fprintf(f, "set multiplot layout 4,1 title ");
	{
		char title[256];

		snprintf(title, sizeof(title), "h2box record:%s%s%s%s", d, w, e, jg);
		cli_plot_quote(f, title);
	}
	fprintf(f, " font 'sans,13'\n");
	cli_plot_markers(p, s, f);

	/* 1: watts, energy on the right axis */
	fprintf(f, "set ylabel 'W'\nset ytics nomirror\n");
	if (p->col_energy)
		fprintf(f, "set y2label 'energy (kJ)'\nset y2tics\n");
	cli_plot_series(f, p, true, data, p->col_watts, NULL, "watts", NULL);
	if (p->col_energy) {
		char scale[64];

		snprintf(scale, sizeof(scale), "/1000.0-%.6f", isfinite(p->e0) ? p->e0 / 1000.0 : 0.0);
		cli_plot_series(f, p, false, data, p->col_energy, scale, "energy (kJ)", "axes x1y2");
	}
	fprintf(f, "\nunset y2label\nunset y2tics\n");

	/* 2: temperatures */
	fprintf(f, "set ylabel 'degrees C'\n");
	for (int i = 0; i < p->ntemps; i++)
		cli_plot_series(f, p, i == 0, data, p->col_temp[i], NULL, p->temp_name[i], NULL);
	if (!p->ntemps)
		fprintf(f, "set label 5 'no temperature columns in this record' at graph 0.5, graph 0.5 center\n"
			   "%s", CLI_PLOT_EMPTY);
	fprintf(f, "\nunset label 5\nset autoscale y\n");

	/* 3: fan duty, rpm on the right axis */
	fprintf(f, "set ylabel 'fan duty %%'\nset yrange [0:105]\n");
	any = p->col_fan || p->col_rpm;
	if (p->col_rpm)
		fprintf(f, "set y2label 'rpm'\nset y2tics\n");
	if (p->col_fan)
		cli_plot_series(f, p, true, data, p->col_fan, NULL, "fan duty %", NULL);
	if (p->col_rpm)
		cli_plot_series(f, p, !p->col_fan, data, p->col_rpm, NULL, "fan rpm", "axes x1y2");
	if (!any)
		fprintf(f, "%s", CLI_PLOT_EMPTY);
	fprintf(f, "\nset autoscale y\nunset y2label\nunset y2tics\n");

	/* 4: IB traffic */
	fprintf(f, "set ylabel 'Gb/s'\nset xlabel 's since start'\n");
	if (p->col_tx)
		cli_plot_series(f, p, true, data, p->col_tx, NULL, "IB tx Gb/s", NULL);
	if (p->col_rx)
		cli_plot_series(f, p, !p->col_tx, data, p->col_rx, NULL, "IB rx Gb/s", NULL);
	if (!p->col_tx && !p->col_rx)
		fprintf(f, "%s", CLI_PLOT_EMPTY);
	fprintf(f, "\nunset multiplot\nset output\n");
	return ferror(f) ? -EIO : 0;
}
