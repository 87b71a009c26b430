/* ib_bench_peer.h - a benchmark against another host, over the out-of-band TCP exchange. */
#ifndef H2BOX_IB_BENCH_PEER_H
#define H2BOX_IB_BENCH_PEER_H

#include "drivers/ib_bench.h"

/* Connect to o->host and drive the rounds: 0 or -errno with err. */
int ib_bench_peer_client(struct hw *hw, const struct ib_bench_opts *o,
			 struct ib_bench_report *rep, ib_bench_cancel_fn cancel, void *ud,
			 char *err, size_t errlen);
/* Wait for one client on o->tcp_port and answer its rounds: 0 or -errno with err. */
int ib_bench_peer_server(struct hw *hw, const struct ib_bench_opts *o,
			 struct ib_bench_report *rep, ib_bench_cancel_fn cancel, void *ud,
			 char *err, size_t errlen);

#endif
