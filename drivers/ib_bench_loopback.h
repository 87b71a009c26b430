/* ib_bench_loopback.h - a benchmark with both ends in this process. */
#ifndef H2BOX_IB_BENCH_LOOPBACK_H
#define H2BOX_IB_BENCH_LOOPBACK_H

#include "drivers/ib_bench.h"

/* rep->dev:port against rep->dev2:port2, filled in by the caller: 0 or -errno with err. */
int ib_bench_loopback_run(struct hw *hw, const struct ib_bench_opts *o,
			  struct ib_bench_report *rep, ib_bench_cancel_fn cancel, void *ud,
			  char *err, size_t errlen);

#endif
