/* ib-bench-job.h - one `ib bench` run at a time: a worker thread on hardware, inline on the sim. */
#ifndef H2BOX_IB_BENCH_JOB_H
#define H2BOX_IB_BENCH_JOB_H

#include <stdbool.h>

struct box;
struct ctl_reply;
struct ib_bench_opts;
struct ib_bench_job;

int ib_bench_job_new(struct box *b, struct ib_bench_job **out);
/* Cancels a running benchmark and waits for its worker. */
void ib_bench_job_free(struct ib_bench_job *bj);
bool ib_bench_job_busy(const struct ib_bench_job *bj);
/*
 * Run the benchmark o and answer rep (JSON when json): streamed from a worker
 * thread on hardware, in place on the simulated box.  0 (errors go into the
 * reply) or -errno.
 */
int ib_bench_job_start(struct ib_bench_job *bj, const struct ib_bench_opts *o, bool json,
		       struct ctl_reply *rep);

struct ib_selftest;
/*
 * `ib selftest`: run st's short bench like ib_bench_job_start() and answer
 * with the whole selftest report (its checks, then the bench).  The job owns
 * st from here (it frees it, also on error).  0 or -errno.
 */
int ib_bench_job_start_selftest(struct ib_bench_job *bj, struct ib_selftest *st, bool json,
				struct ctl_reply *rep);
/* A selftest's whole report as the reply (JSON when json): also one whose bench did not run. */
void ib_bench_job_selftest_reply(const struct ib_selftest *st, bool json, struct ctl_reply *rep);

#endif
