/* cli-bench.h - `h2box ib bench --local`: the verbs benchmark without h2boxd. */
#ifndef H2BOX_CLI_BENCH_H
#define H2BOX_CLI_BENCH_H

#include <stdbool.h>

/* argv is the command's words ("ib" "bench"|"selftest" ...): true when they ask for a local run. */
bool cli_bench_is_local(int argc, char **argv);
/* Run it in this process on the real verbs; the exit status (0, 1 failed, 2 usage). */
int cli_bench_local_main(bool json, int argc, char **argv);

#endif
