/* knob.c (linux) - tbf root qdisc over rtnetlink, and sysfs control files. */
#include "hw/knob.h"
#include "hw/linux/linux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Our qdisc handle ("H2" = 0x4832:): clear only ever deletes what we installed. */
#define KNOB_TBF_HANDLE 0x48320000u
#define KNOB_NL_BUF 1024
/* rtnetlink answers at once; a reply later than this fails the step instead of stalling a cycle */
#define KNOB_NL_TIMEOUT_S 1

/* The whole request buffer seen as a message (not just its header member). */
#define NLH(q) ((struct nlmsghdr *)(void *)(q))

struct nlreq {
	struct nlmsghdr n;
	struct tcmsg t;
	char attrs[512];
};

static struct rtattr *attr_add(struct nlmsghdr *n, size_t max, int type, const void *data,
			       size_t len)
{
	size_t alen = RTA_LENGTH(len);
	struct rtattr *rta;

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen) > max)
		return NULL;
	rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)alen;
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen);
	return rta;
}

/* A route netlink socket whose replies are waited for at most KNOB_NL_TIMEOUT_S. */
static int knob_nl_open(void)
{
	struct timeval tv = { .tv_sec = KNOB_NL_TIMEOUT_S };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		fd = -1;
	}
	return fd;
}

/* Send one request and wait for its ACK; returns the kernel's -errno. */
static int nl_talk(struct nlmsghdr *n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[KNOB_NL_BUF];
	int fd, r;
	ssize_t len;

	fd = knob_nl_open();
	if (fd < 0)
		return -errno;
	n->nlmsg_seq = 1;
	if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		struct nlmsghdr *h;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != n->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					r = -EIO;
				else
					r = e->error; /* 0 = ACK */
				goto out;
			}
		}
	}
out:
	close(fd);
	return r;
}

/*
 * The handle of interface idx's root qdisc (0 for the kernel's own default,
 * which carries none).  -ENOENT when the dump shows no root qdisc.  A dump
 * arrives in several messages, up to NLMSG_DONE.
 */
static int root_qdisc_handle(unsigned idx, uint32_t *handle)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr n;
		struct tcmsg t;
	} req = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		       .nlmsg_type = RTM_GETQDISC,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 2 },
		.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = (int)idx },
	};
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd, r = -ENOENT;
	bool done = false;

	fd = knob_nl_open();
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (len == 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)len);
		     h = NLMSG_NEXT(h, len)) {
			struct tcmsg *t = NLMSG_DATA(h);

			if (h->nlmsg_seq != req.n.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				r = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error
											   : -EIO;
				goto out;
			}
			if (h->nlmsg_type != RTM_NEWQDISC ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*t)) ||
			    t->tcm_ifindex != (int)idx || t->tcm_parent != TC_H_ROOT)
				continue;
			*handle = t->tcm_handle;
			r = 0;
		}
	}
out:
	close(fd);
	return r;
}

static void req_init(struct nlreq *q, int type, int flags, int ifindex)
{
	memset(q, 0, sizeof(*q));
	q->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	q->n.nlmsg_type = (unsigned short)type;
	q->n.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	q->t.tcm_family = AF_UNSPEC;
	q->t.tcm_ifindex = ifindex;
	q->t.tcm_parent = TC_H_ROOT;
	q->t.tcm_handle = KNOB_TBF_HANDLE;
}

static int linux_tbf_set(struct hw *hw, const char *ifname, uint64_t rate_bps, uint32_t burst)
{
	struct tc_tbf_qopt opt;
	struct nlreq q;
	struct rtattr *nest;
	uint64_t bytes_ps = rate_bps / 8, limit, buffer_ns;
	unsigned idx = if_nametoindex(ifname);
	uint32_t handle = 0;
	int r;

	if (!idx)
		return -ENODEV;
	/*
	 * A root qdisc with a handle was configured by someone (the kernel's
	 * default has none): replacing it would lose its setup, and deleting
	 * ours later would not bring it back.  Leave it; the caller says so.
	 */
	r = root_qdisc_handle(idx, &handle);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && handle != 0 && handle != KNOB_TBF_HANDLE)
		return -EBUSY;
	req_init(&q, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, (int)idx);
	if (!attr_add(NLH(&q), sizeof(q), TCA_KIND, "tbf", 4))
		return -EMSGSIZE;
	memset(&opt, 0, sizeof(opt));
	opt.rate.rate = bytes_ps >= UINT32_MAX ? UINT32_MAX : (uint32_t)bytes_ps;
	/* not "unaware": the kernel then skips the legacy rate table we do not send */
	opt.rate.linklayer = TC_LINKLAYER_ETHERNET;
	/* queue at most 50 ms of traffic beyond the bucket, as `tc ... latency 50ms` would */
	limit = bytes_ps / 20 + burst;
	opt.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	/* buffer in psched ticks (64 ns); TCA_TBF_BURST below makes the kernel recompute it */
	buffer_ns = (uint64_t)((double)burst / (double)bytes_ps * (double)HW_NSEC_PER_SEC);
	opt.buffer = buffer_ns / 64 > UINT32_MAX ? UINT32_MAX : (uint32_t)(buffer_ns / 64);
	nest = attr_add(NLH(&q), sizeof(q), TCA_OPTIONS, NULL, 0);
	if (!nest || !attr_add(NLH(&q), sizeof(q), TCA_TBF_PARMS, &opt, sizeof(opt)))
		return -EMSGSIZE;
	if (bytes_ps >= UINT32_MAX &&
	    !attr_add(NLH(&q), sizeof(q), TCA_TBF_RATE64, &bytes_ps, sizeof(bytes_ps)))
		return -EMSGSIZE;
	if (!attr_add(NLH(&q), sizeof(q), TCA_TBF_BURST, &burst, sizeof(burst)))
		return -EMSGSIZE;
	nest->rta_len = (unsigned short)((char *)&q + q.n.nlmsg_len - (char *)nest);
	return nl_talk(NLH(&q));
}

static int linux_qdisc_clear(struct hw *hw, const char *ifname)
{
	struct nlreq q;
	unsigned idx = if_nametoindex(ifname);
	int r;

	if (!idx)
		return -ENODEV;
	req_init(&q, RTM_DELQDISC, 0, (int)idx);
	r = nl_talk(NLH(&q));
	/* no qdisc of ours there (already gone, or the default one): nothing to undo */
	if (r == -ENOENT || r == -EINVAL)
		return 0;
	return r;
}

/*
 * A control file under /sys lives under the backend's sysfs root, so
 * H2BOX_SYSFS_ROOT points the cpufreq, intel_pstate and RAPL throttles at a
 * fake tree in tests like the other sysfs-only parts.  Other paths (a RAPL
 * `path =` outside /sys) are used as given.
 */
static int knob_path(struct hw *hw, const char *path, char *buf, size_t len)
{
	if (strncmp(path, "/sys/", 5) == 0)
		return hw_linux_path(buf, len, "%s%s", hw_linux_state(hw)->sysfs_root, path + 4);
	return hw_linux_path(buf, len, "%s", path);
}

static int linux_write(struct hw *hw, const char *path, const char *value)
{
	char real[HW_LINUX_PATH_MAX];
	int r = knob_path(hw, path, real, sizeof(real));

	return r < 0 ? r : hw_linux_file_write_str(real, value);
}

static int linux_read(struct hw *hw, const char *path, char *buf, size_t len)
{
	char real[HW_LINUX_PATH_MAX];
	size_t n;
	int r = knob_path(hw, path, real, sizeof(real));

	if (r == 0)
		r = hw_linux_file_read_str(real, buf, len);
	if (r < 0)
		return r;
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

const struct hw_knob_ops hw_knob_linux_ops = {
	.tbf_set = linux_tbf_set,
	.qdisc_clear = linux_qdisc_clear,
	.write = linux_write,
	.read = linux_read,
};
