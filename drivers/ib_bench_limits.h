/* ib_bench_limits.h - the benchmark's bounds, shared by its options and its TCP message checks. */
#ifndef H2BOX_IB_BENCH_LIMITS_H
#define H2BOX_IB_BENCH_LIMITS_H

#define IB_BENCH_SIZE_MIN	  2
#define IB_BENCH_SIZE_MAX	  (8u << 20)
#define IB_BENCH_SIZES_MAX	  23 /* 2 B .. 8 MiB in powers of two */
#define IB_BENCH_HOST_MAX	  256
#define IB_BENCH_TCP_PORT_DEFAULT 18515
#define IB_BENCH_ITERS_MAX	  100000000ULL
#define IB_BENCH_LAT_ITERS_MAX	  1000000ULL

#endif
