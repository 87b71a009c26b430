/* ib-report.h - `ib bench` results as JSON and as text. */
#ifndef H2BOX_IB_REPORT_H
#define H2BOX_IB_REPORT_H

#include <stdio.h>

#include "drivers/ib_bench.h"

struct json;

/* The "bench" object: test, role, devices, ceiling and one result per message size. */
void ib_report_bench_json(const struct ib_bench_report *r, struct json *j);
/* The human table, with each row's share of the probe's ceiling when it is known. */
void ib_report_bench_text(const struct ib_bench_report *r, FILE *f);
/* The same text in a malloc'd string (NULL when out of memory), for replies and streams. */
char *ib_report_bench_text_alloc(const struct ib_bench_report *r);
/* What print writes about `what`, in a malloc'd string (NULL when out of memory). */
typedef void (*ib_report_print_fn)(const void *what, FILE *f);
char *ib_report_text_alloc(ib_report_print_fn print, const void *what);

#endif
