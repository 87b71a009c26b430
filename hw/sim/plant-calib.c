/* plant-calib.c - every number the simulated box is calibrated with, in one place. */
#include "hw/sim/plant-private.h"

#include <string.h>

/*
 * Sources: /work/shared/reference/h2-infiniband-build-article.txt and the
 * design table (docs).  Brick build ("H2 power brick powering everything
 * except the PCIe bus/IB card"): burst 53 W, 35-45 W while booting, 34.5 W
 * idle, 38.5 W with the IB link up, 49.5 W under iperf3.  SFX build (wall
 * reading, the SFX feeds H2, disks, NIC and fan): burst 38 W, idle 24 W,
 * iperf3 32 W, NFS copies 35 W at most.
 *
 * The monitored rail is decomposed as
 *   host part (H2 board; in the brick build also the disks it feeds)
 *   + disks fed from the PSU (sfx only: they draw whenever the PSU is on)
 *   + NIC + fan (sfx only: in the brick build the NIC is on the unmonitored SFX)
 *   + sim_plant_load_set() watts while the host is on.
 * target_w[] holds the article's figure for each workload at its nominal
 * rate with the link up and the fan stopped; the host's extra power per
 * workload is derived from it (plant_derive_calibration) so the totals come
 * out exact.  The fan adds at most sim_fan_max_w (2.5 % of 24 W).
 */
static const struct sim_calib calib_brick = {
	.bus_v = 15.0,
	.droop_ohm = 0.01, /* -0.1 V per 10 A */
	.nic_monitored = false,
	.rail_on_psu = false,
	.disks_psu_w = 0.0,
	.burst_w = 53.0,
	.burst_ns = SIM_S(3),
	.boot_w = 40.0, /* article: 35-45 W during the phases of booting */
	.idle_w = 34.5,
	.link_w = 4.0,  /* 38.5 W with the link up */
	.stop_w = 32.0,
	.target_w = {
		[SIM_WL_IDLE] = 38.5,
		[SIM_WL_IPERF3_TX] = 49.5,
		[SIM_WL_IPERF3_RX] = 49.5,
		[SIM_WL_IPERF3_BOTH] = 52.0, /* unmeasured: two streams, more CPU */
		[SIM_WL_NFS_COPY] = 51.0,    /* unmeasured: RDMA is cheap on CPU, but disks spin */
	},
};

static const struct sim_calib calib_sfx = {
	.bus_v = 12.0,
	.droop_ohm = 0.01,
	.nic_monitored = true,
	.rail_on_psu = true,
	.disks_psu_w = 4.0,  /* HDD + SSD idle, fed by the SFX whenever it is on */
	.burst_w = 27.5,     /* + 6.5 NIC + 4 disks = 38 W */
	.burst_ns = SIM_S(3),
	.boot_w = 19.5,      /* 30 W total while booting */
	.idle_w = 12.0,      /* 22.5 W total before the link is up */
	.link_w = 1.5,       /* 24 W idle with the link up */
	.stop_w = 11.0,
	.target_w = {
		[SIM_WL_IDLE] = 24.0,
		[SIM_WL_IPERF3_TX] = 32.0,
		[SIM_WL_IPERF3_RX] = 32.0,
		[SIM_WL_IPERF3_BOTH] = 35.0, /* unmeasured */
		[SIM_WL_NFS_COPY] = 35.0,    /* "max at 35W while copying files" */
	},
};

const struct sim_calib *sim_calib_get(enum sim_build build)
{
	return build == SIM_BUILD_BRICK ? &calib_brick : &calib_sfx;
}

/* ConnectX-2 MT25408A0-FCC-QI: 9.7 W maximum (article's table); ~6.5 W idle. */
const double sim_nic_idle_w = 6.5;
const double sim_nic_max_w = 9.7;
/* Traffic summed over both ports and directions at which the NIC draws its maximum. */
const double sim_nic_full_gbps = 51.2;

/* 40x10 mm fan on the heatsink. */
const double sim_fan_max_w = 0.6;
const double sim_fan_max_rpm = 5000.0;
const double sim_fan_start_pct = 20.0; /* needed to spin up from a stop */
const double sim_fan_min_pct = 12.0;   /* a spinning fan keeps turning down to this */
const double sim_fan_tau_s = 1.0;

/*
 * Heatsink: 4.2 K/W in still air makes an idle powered card (6.5 W) sit at
 * 52 C in 25 C ambient ("easily reaches 50+ C"); 1.4 K/W at full airflow.
 */
const double sim_nic_tau_s = 40.0;
const double sim_nic_r_nofan = 4.2;
const double sim_nic_r_full = 1.4;

/* J4105 package: ambient + 1.5 K/W x (idle share + everything above host idle). */
const double sim_cpu_k_per_w = 1.5;
const double sim_cpu_idle_w = 4.0;
const double sim_cpu_tau_s = 10.0;

/*
 * RDMA moves data without the CPU, but a verbs benchmark busy-polls its
 * completion queue: one J4105 core flat out.  Not measured in the article;
 * a quarter of the package's 10 W TDP.
 */
const double sim_rdma_poll_w = 2.5;

const double sim_disk_rise_k = 8.0;
const double sim_disk_busy_k = 4.0;
const double sim_disk_tau_s = 600.0;

/*
 * Throughputs from the article: IPoIB iperf3 11.1 Gb/s sending, 14.4 Gb/s
 * receiving, 25.6 Gb/s with the two ports cabled to each other; NFS/RDMA
 * copy of a 4470079488-byte ISO in 3.338 s = 10.71 Gb/s.
 */
const struct sim_workload_def sim_workloads[SIM_WL_COUNT] = {
	[SIM_WL_IDLE] = {
		.name = "idle",
		.desc = "no traffic; the host idles (link up if the NIC is powered)",
	},
	[SIM_WL_IPERF3_TX] = {
		.name = "iperf3-tx",
		.desc = "IPoIB iperf3, the H2 sends 11.1 Gb/s out of port 1",
		.gbps = { { 11.1, 0 }, { 0, 0 } },
		.ipoib = true,
		.cpu_share = 0.9,
	},
	[SIM_WL_IPERF3_RX] = {
		.name = "iperf3-rx",
		.desc = "IPoIB iperf3, the H2 receives 14.4 Gb/s on port 1",
		.gbps = { { 0, 14.4 }, { 0, 0 } },
		.ipoib = true,
		.cpu_share = 0.9,
	},
	[SIM_WL_IPERF3_BOTH] = {
		.name = "iperf3-both",
		.desc = "IPoIB iperf3 between the two ports cabled to each other: 12.8 Gb/s out of "
			"port 1 and into port 2, which iperf3 reports summed as 25.6 Gb/s",
		/*
		 * The article: "iperf3 sums the input and output traffic ... 25.6 ~= 14.4
		 * + 11.1".  Taken that way each direction of the x4 link carries 12.8,
		 * within its 14.6 Gb/s ceiling, and tx + rx over the ports (what `h2box
		 * record` counts) is the 25.6 iperf3 printed.
		 */
		.gbps = { { 12.8, 0 }, { 0, 12.8 } },
		.ipoib = true,
		.cpu_share = 0.9,
	},
	[SIM_WL_NFS_COPY] = {
		.name = "nfs-copy",
		.desc = "NFS/RDMA copy of a 4470079488-byte ISO to a client RAM disk, 10.71 Gb/s "
			"out of port 1, disks busy, looping",
		.gbps = { { 10.71, 0 }, { 0, 0 } },
		.ipoib = false,
		.disks_busy = true,
		.cpu_share = 0.5,
	},
};

const char *const *sim_plant_workload_names(void)
{
	static const char *const names[] = {
		"idle", "iperf3-tx", "iperf3-rx", "iperf3-both", "nfs-copy", NULL,
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == SIM_WL_COUNT + 1,
		       "one name per enum sim_workload, and the NULL");

	return names;
}

const char *sim_plant_workload_describe(const char *name)
{
	for (int i = 0; i < SIM_WL_COUNT; i++)
		if (name && strcmp(name, sim_workloads[i].name) == 0)
			return sim_workloads[i].desc;
	return NULL;
}
