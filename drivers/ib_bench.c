/* ib_bench.c - RC WRITE bandwidth, SEND/RECV latency over hw/verbs: loopback or client/server. */
#include "drivers/ib_bench.h"

#include "drivers/ib_bench_ep.h"
#include "drivers/ib_bench_loopback.h"
#include "drivers/ib_bench_peer.h"
#include "hw/hw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int ib_bench_run(struct hw *hw, const struct ib_bench_opts *o, struct ib_bench_report *rep,
		 ib_bench_cancel_fn cancel, void *userdata, char *err, size_t errlen)
{
	char names[8][HW_IB_NAME_MAX];
	int r;

	if (err && errlen)
		err[0] = '\0';
	memset(rep, 0, sizeof(*rep));
	if (o->nsizes < 1 || o->nsizes > IB_BENCH_SIZES_MAX || o->tx_depth < 1)
		return ib_bench_ep_fail(err, errlen, -EINVAL, "bad benchmark options");
	rep->test = o->test;
	rep->role = o->role;
	rep->bidir = o->bidir;
	rep->simulated = hw_kind_get(hw) == HW_KIND_SIM;
	rep->ceiling_gbps = o->ceiling_gbps;
	snprintf(rep->dev, sizeof(rep->dev), "%s", o->dev);
	if (!rep->dev[0]) {
		r = hw_ib_devices(hw, names, 8);
		if (r <= 0)
			return ib_bench_ep_fail(
				err, errlen, r < 0 ? r : -ENODEV,
				"no RDMA device (is the NIC powered and its driver loaded?)");
		snprintf(rep->dev, sizeof(rep->dev), "%s", names[0]);
	}
	rep->port = o->port;
	if (rep->simulated && o->role != IB_BENCH_LOOPBACK)
		return ib_bench_ep_fail(
			err, errlen, -ENOTSUP,
			"the simulated box has no peer host: run a loopback (--dev2 %s:2 is"
			" the article's cabled-ports test)",
			rep->dev);
	if (o->role == IB_BENCH_LOOPBACK) {
		snprintf(rep->dev2, sizeof(rep->dev2), "%s", o->dev2[0] ? o->dev2 : rep->dev);
		rep->port2 = o->port2 ? o->port2 : o->dev2[0] ? 1 : o->port;
		/* --dev2 naming the same device without a port: the cabled-ports test */
		if (o->dev2[0] && !o->port2 && strcmp(rep->dev2, rep->dev) == 0)
			rep->port2 = o->port == 1 ? 2 : 1;
		return ib_bench_loopback_run(hw, o, rep, cancel, userdata, err, errlen);
	}
	if (o->role == IB_BENCH_CLIENT)
		return ib_bench_peer_client(hw, o, rep, cancel, userdata, err, errlen);
	return ib_bench_peer_server(hw, o, rep, cancel, userdata, err, errlen);
}
