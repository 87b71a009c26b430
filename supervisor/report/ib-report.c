/* ib-report.c - `ib bench` results as JSON and as text, for the daemon's replies and `--local` runs. */
#include "supervisor/report/ib-report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "supervisor/util/json.h"

void ib_report_bench_json(const struct ib_bench_report *r, struct json *j)
{
	json_object_begin(j, "bench");
	json_string(j, "test", r->test == IB_BENCH_WRITE_BW ? "write_bw" : "send_lat");
	json_string(j, "role",
		    r->role == IB_BENCH_SERVER	 ? "server"
		    : r->role == IB_BENCH_CLIENT ? "client"
						 : "loopback");
	json_string(j, "device", r->dev);
	json_int(j, "port", r->port);
	json_string(j, "device2", r->dev2[0] ? r->dev2 : NULL);
	json_int(j, "port2", r->port2);
	json_bool(j, "bidir", r->bidir);
	json_bool(j, "simulated", r->simulated);
	json_number(j, "ceiling_gbps", r->ceiling_gbps, 3);
	json_array_begin(j, "results");
	for (int i = 0; i < r->nrows; i++) {
		const struct ib_bench_row *w = &r->rows[i];

		json_object_begin(j, NULL);
		json_uint(j, "size", w->size);
		json_uint(j, "iters", w->iters);
		json_number(j, "seconds", w->seconds, 6);
		if (r->test == IB_BENCH_WRITE_BW) {
			json_number(j, "gbps", w->gbps, 3);
			json_number(j, "gbps_reverse", w->gbps_reverse, 3);
			json_number(j, "mpps", w->msg_rate_mpps, 4);
			/* per direction: each direction of a link has its own ceiling */
			json_number(j, "ceiling_share",
				    r->ceiling_gbps > 0 ? w->gbps / r->ceiling_gbps : NAN, 4);
		} else {
			json_number(j, "lat_min_us", w->lat_min_us, 3);
			json_number(j, "lat_median_us", w->lat_median_us, 3);
			json_number(j, "lat_p99_us", w->lat_p99_us, 3);
			json_number(j, "lat_max_us", w->lat_max_us, 3);
			json_number(j, "lat_avg_us", w->lat_avg_us, 3);
		}
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void ib_report_bench_text(const struct ib_bench_report *r, FILE *f)
{
	char peer[HW_IB_NAME_MAX + 24] = "";

	if (r->role == IB_BENCH_LOOPBACK)
		snprintf(peer, sizeof(peer), " <-> %s:%d", r->dev2, r->port2);
	fprintf(f, "%s %s on %s:%d%s, %s%s\n",
		r->test == IB_BENCH_WRITE_BW ? "RDMA WRITE bandwidth" : "SEND/RECV latency",
		r->role == IB_BENCH_SERVER   ? "(server)"
		: r->role == IB_BENCH_CLIENT ? "(client)"
					     : "(loopback)",
		r->dev, r->port, peer, r->bidir ? "bidirectional" : "one direction",
		r->simulated ? " [simulated box]" : "");
	if (r->test == IB_BENCH_WRITE_BW) {
		fprintf(f, "%10s %12s %10s %10s %10s %9s\n", "bytes", "iterations", "Gb/s",
			r->bidir ? "reverse" : "", "Mmsg/s", "ceiling");
		for (int i = 0; i < r->nrows; i++) {
			const struct ib_bench_row *w = &r->rows[i];
			char rev[16] = "", share[16] = "-";

			if (r->bidir)
				snprintf(rev, sizeof(rev), "%.2f", w->gbps_reverse);
			if (r->ceiling_gbps > 0 && isfinite(w->gbps))
				snprintf(share, sizeof(share), "%.0f%%",
					 100.0 * w->gbps / r->ceiling_gbps);
			fprintf(f, "%10zu %12llu %10.2f %10s %10.3f %9s\n", w->size,
				(unsigned long long)w->iters, w->gbps, rev, w->msg_rate_mpps,
				share);
		}
		if (r->ceiling_gbps > 0)
			fprintf(f, "ceiling from the link probe: %.1f Gb/s per direction\n",
				r->ceiling_gbps);
		return;
	}
	fprintf(f, "%10s %12s %9s %9s %9s %9s %9s  (one-way, us)\n", "bytes", "iterations", "min",
		"median", "p99", "max", "avg");
	for (int i = 0; i < r->nrows; i++) {
		const struct ib_bench_row *w = &r->rows[i];

		fprintf(f, "%10zu %12llu %9.2f %9.2f %9.2f %9.2f %9.2f\n", w->size,
			(unsigned long long)w->iters, w->lat_min_us, w->lat_median_us,
			w->lat_p99_us, w->lat_max_us, w->lat_avg_us);
	}
}

char *ib_report_text_alloc(ib_report_print_fn print, const void *what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	print(what, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void ib_report_bench_print(const void *r, FILE *f)
{
	ib_report_bench_text(r, f);
}

char *ib_report_bench_text_alloc(const struct ib_bench_report *r)
{
	return ib_report_text_alloc(ib_report_bench_print, r);
}
