/* ib-verbs.h - the `ib` control verbs: link, counters, bench. */
#ifndef H2BOX_IB_VERBS_H
#define H2BOX_IB_VERBS_H

struct box;
struct ib_config;
struct ib_watch;
struct ib_bench_job;

/* What the verbs read and drive; the IB service owns it and outlives the registration. */
struct ib_verbs {
	struct box *b;
	const struct ib_config *cfg;
	struct ib_watch *watch;
	struct ib_bench_job *bench;
};

/* Register the `ib` verb on the box's control socket: 0 or -errno (the daemon drops it). */
int ib_verbs_register(struct ib_verbs *v);

#endif
