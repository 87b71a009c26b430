/* ibverbs.h - libibverbs, loaded on first use, for the IB (ib.c) and RDMA (verbs.c) backends. */
#ifndef H2BOX_HW_LINUX_IBVERBS_H
#define H2BOX_HW_LINUX_IBVERBS_H

#include <stdint.h>

#include <infiniband/verbs.h>

#include "hw/dlib.h"

/*
 * libibverbs (and the libnl it links) is mapped only once a profile's [ib] or an RDMA test asks
 * for a device (issue #16).  The header's macros for these three expand to inline wrappers that
 * call the library by name; here the table's pointers are called instead (hw_linux_ibv_query_port
 * is the wrapper's copy for the port).  ibv_post_send, ibv_post_recv and ibv_poll_cq are inline
 * calls through the context's ops and need no symbol.
 */
#undef ibv_query_port
#undef ibv_reg_mr
#undef ibv_query_gid_ex

#define HW_LINUX_IBV_FUNCS(X, t)                                                                \
	X(t, ibv_get_device_list) X(t, ibv_free_device_list) X(t, ibv_get_device_name)          \
	X(t, ibv_open_device) X(t, ibv_close_device) X(t, ibv_query_device)                     \
	X(t, ibv_query_port) X(t, ibv_query_gid) X(t, _ibv_query_gid_ex) X(t, ibv_alloc_pd)     \
	X(t, ibv_dealloc_pd) X(t, ibv_create_cq) X(t, ibv_destroy_cq) X(t, ibv_reg_mr)          \
	X(t, ibv_dereg_mr) X(t, ibv_create_qp) X(t, ibv_destroy_qp) X(t, ibv_modify_qp)

struct hw_linux_ibv {
	HW_LINUX_IBV_FUNCS(HW_DLIB_PTR_, libibverbs)
};
extern struct hw_linux_ibv libibverbs;

/* Load libibverbs once: 0, or -ELIBACC (reported once, naming the package). */
int hw_linux_ibv_load(void);
/* ibv_query_port() with the whole struct ibv_port_attr filled, as the header's wrapper does. */
int hw_linux_ibv_query_port(struct ibv_context *ctx, uint8_t port, struct ibv_port_attr *attr);

#endif
