/* cli-bench.h - `h2box ib bench --local`: the verbs benchmark without h2boxd. */
#ifndef H2BOX_CLI_BENCH_H
#define H2BOX_CLI_BENCH_H

#include <stdbool.h>

/*
 * argv is the command's words ("ib" "bench"|"selftest" ... "--local" ...): run it in this
 * process on the real verbs (h2box-hw, supervisor/cli/cli-hw.h); the exit status (0, 1 failed,
 * 2 usage).
 */
int cli_bench_local_main(bool json, int argc, char **argv);

#endif
