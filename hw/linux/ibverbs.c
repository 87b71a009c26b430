/* ibverbs.c - libibverbs dlopen()ed by the first IB or RDMA question (see ibverbs.h). */
#include "hw/linux/ibverbs.h"

#include <string.h>

struct hw_linux_ibv libibverbs;

static const struct hw_dlib_sym hw_linux_ibv_syms[] = {
	HW_LINUX_IBV_FUNCS(HW_DLIB_SYM_, libibverbs)
};
static struct hw_dlib hw_linux_ibv_lib =
	HW_DLIB_INIT("libibverbs.so.1", "libibverbs1", hw_linux_ibv_syms);

int hw_linux_ibv_load(void)
{
	return hw_dlib_load(&hw_linux_ibv_lib);
}

int hw_linux_ibv_query_port(struct ibv_context *ctx, uint8_t port, struct ibv_port_attr *attr)
{
	struct verbs_context *vctx = verbs_get_ctx_op(ctx, query_port);

	/* the provider's query_port knows the full struct; the exported call only the old part */
	if (vctx)
		return vctx->query_port(ctx, port, attr, sizeof(*attr));
	memset(attr, 0, sizeof(*attr));
	return libibverbs.ibv_query_port(ctx, port, (struct _compat_ibv_port_attr *)attr);
}
