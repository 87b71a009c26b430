/* cli-hw.h - the client's commands that open the hardware run in h2box-hw, which h2box execs. */
#ifndef H2BOX_CLI_HW_H
#define H2BOX_CLI_HW_H

#include <stdbool.h>

/*
 * `h2box probe` and `h2box ib bench|selftest --local` use libgpiod, libi2c, libsensors, libpci
 * and libibverbs through hw/linux; every other command only talks to h2boxd's socket or reads
 * and writes files.  So the hardware commands live in a second program, h2box-hw, linked with
 * those libraries, and h2box itself links libc alone: each start of `h2box status` loads and
 * relocates nothing else (docs/ARCHITECTURE.md, "Programs and their libraries").
 *
 * h2box-hw's command line: [--json] WORDS..., the words of the h2box command as cli_main()
 * collected them ("probe" ..., "ib" "bench"|"selftest" ... "--local" ...).
 */

/* argv is the command's words: true when h2box-hw runs them. */
bool cli_hw_wants(int argc, char **argv);
/* argv is the command's words ("ib" "bench"|"selftest" ...): true when they ask for a local run. */
bool cli_hw_is_bench_local(int argc, char **argv);
/*
 * Replace this process by h2box-hw with the same words (no shell, same environment, stdin and
 * signals; so its exit status is the command's).  It is looked up next to the running h2box
 * (the build tree), then in ../lib/h2box/ from there (PREFIX/bin -> PREFIX/lib/h2box).
 * Returns only when it cannot be started: the exit status of a clear error (1).
 */
int cli_hw_exec(bool json, int argc, char **argv);

#endif
