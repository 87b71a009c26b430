/* plant-private.h - the plant's state and internal helpers, shared by hw/sim/plant*.c only. */
#ifndef H2BOX_SIM_PLANT_PRIVATE_H
#define H2BOX_SIM_PLANT_PRIVATE_H

#include "hw/clock.h"
#include "hw/sim/ina-model.h"
#include "hw/sim/plant.h"

#define SIM_NEVER INT64_MAX
#define SIM_MS(x) ((int64_t)(x) * HW_NSEC_PER_MSEC)
#define SIM_S(x) ((int64_t)(x) * HW_NSEC_PER_SEC)

enum sim_workload {
	SIM_WL_IDLE,
	SIM_WL_IPERF3_TX,
	SIM_WL_IPERF3_RX,
	SIM_WL_IPERF3_BOTH,
	SIM_WL_NFS_COPY,
	SIM_WL_COUNT,
};

struct sim_workload_def {
	const char *name;
	const char *desc;
	double gbps[2][2];  /* nominal rate, [port 0/1][0 = tx, 1 = rx] */
	bool ipoib;         /* IP over IB: slowed by the CPU cap, capped by the rate limit */
	bool disks_busy;
	double cpu_share;   /* share of the workload's extra host power burnt in the CPU */
};
extern const struct sim_workload_def sim_workloads[SIM_WL_COUNT];

/* Per-build calibration (plant-calib.c documents every figure). */
struct sim_calib {
	double bus_v;        /* monitored rail nominal voltage */
	double droop_ohm;    /* bus droop per ampere */
	bool nic_monitored;  /* NIC + fan draw on the monitored rail */
	bool rail_on_psu;    /* the monitored rail exists only while the PSU rails are good */
	double disks_psu_w;  /* disks fed straight from the PSU whenever its rails are good */
	double burst_w;      /* host: first burst_ns of boot */
	int64_t burst_ns;
	double boot_w;       /* host: rest of boot */
	double idle_w;       /* host: booted, IB link down */
	double link_w;       /* host: extra once the IB link is up (driver, IPoIB) */
	double stop_w;       /* host: during ACPI shutdown */
	/* monitored total with the host up, the link up, nominal rate, fan stopped */
	double target_w[SIM_WL_COUNT];
};
const struct sim_calib *sim_calib_get(enum sim_build build);

/* Shared physical constants (plant-calib.c). */
extern const double sim_nic_idle_w, sim_nic_max_w, sim_nic_full_gbps;
extern const double sim_fan_max_w, sim_fan_max_rpm, sim_fan_start_pct, sim_fan_min_pct;
extern const double sim_fan_tau_s, sim_nic_tau_s, sim_nic_r_nofan, sim_nic_r_full;
extern const double sim_cpu_k_per_w, sim_cpu_idle_w, sim_cpu_tau_s;
extern const double sim_disk_rise_k, sim_disk_busy_k, sim_disk_tau_s;
extern const double sim_rdma_poll_w;

enum sim_fault {
	SIM_FAULT_PSU_OK_TIMEOUT,
	SIM_FAULT_PSU_OK_DROP,
	SIM_FAULT_HOST_NO_BOOT,
	SIM_FAULT_HOST_HANG_SHUTDOWN,
	SIM_FAULT_FAN_STALL,
	SIM_FAULT_SENSOR_NIC,
	SIM_FAULT_I2C_ERROR,
	SIM_FAULT_INA_GARBAGE,
	SIM_FAULT_IB_NO_SM,
	SIM_FAULT_SENSOR_HANG,
	SIM_FAULT_I2C_INA_BUS, /* one register of a sample fails: hw/sim/i2c.c via plant-controls.c */
	SIM_FAULT_I2C_INA_CURRENT,
	SIM_FAULT_I2C_INA_POWER,
	SIM_FAULT_COUNT,
};

enum sim_host_state {
	SIM_HOST_OFF,
	SIM_HOST_BOOTING,
	SIM_HOST_ON,
	SIM_HOST_STOPPING,
};

/* Exact byte counter: bytes + rem / 8e9 with rem < 8e9 (bit-nanoseconds). */
struct sim_counter {
	uint64_t bytes;
	uint64_t rem;
	uint64_t rate_bps;
};

struct sim_plant {
	struct sim_plant_config cfg;
	const struct sim_calib *cal;
	double host_extra_w[SIM_WL_COUNT]; /* derived from cal->target_w */

	/* virtual clock */
	int64_t now;
	double speed;
	int64_t base_virt, base_real; /* virtual/real CLOCK_MONOTONIC at the last rebase */
	int64_t horizon;              /* a running clock stops here (sim_plant_horizon_set) */
	int64_t real_offset;          /* virtual wall = real_offset + now */

	/* lines */
	int out_level[SIM_LINE_COUNT];  /* daemon-driven outputs */
	int in_level[SIM_LINE_COUNT];   /* last level reported for inputs */
	sim_plant_edge_fn edge_fn;
	void *edge_data;

	/* PSU */
	bool psu_on, psu_ok, psu_latched;
	int64_t psu_ok_at, psu_drop_at;

	/* front button */
	bool front_pressed;
	int64_t front_release_at;

	/* H2 host */
	enum sim_host_state host;
	bool host_powered;
	int64_t host_boot_t0;
	int64_t hbtn_press_at;
	bool hbtn_pressed, hbtn_consumed;
	int64_t hbtn_boot_at, hbtn_force_at;
	int64_t burst_end_at, boot_done_at, stop_done_at;

	/* NIC */
	bool nic_powered, link_up;
	int64_t link_up_at;
	struct sim_counter ctr[2][2]; /* [port][tx/rx] */

	/* operator inputs */
	enum sim_workload workload;
	double extra_load_w, rate_limit_gbps, cpu_cap_pct;
	double rdma_gbps[2][2]; /* verbs traffic from the sim fabric, [port][tx/rx] */
	int rdma_pollers;       /* processes busy-polling a CQ */
	bool fault[SIM_FAULT_COUNT];
	char hang_fifo[200]; /* sensor-hang: the FIFOs' path without .out / .in ("" = none) */
	int i2c_fail_in; /* the i2c_fail_in-th transfer on bus 1 from now fails; 0: none */

	/* fan and temperatures */
	long pwm, pwm_enable;
	double rpm;
	bool fan_spinning;
	double ambient_c, nic_c, cpu_c, disk_c;

	double energy_j;
	struct ina_model monitor; /* the power monitor chip on the monitored rail */
};

/* plant-physics.c: power, traffic, fan and heat as functions of the plant state. */
double plant_fan_duty_pct(const struct sim_plant *p);
double plant_fan_w(const struct sim_plant *p);
double plant_nic_w(const struct sim_plant *p);
double plant_host_w(const struct sim_plant *p);
double plant_monitored_w(const struct sim_plant *p);
double plant_monitored_v(const struct sim_plant *p, double watts);
double plant_traffic_fraction(const struct sim_plant *p);
/* Traffic (workload or RDMA) moves: the link is up and ACTIVE and the host runs. */
bool plant_traffic_flows(const struct sim_plant *p);
void plant_rates_update(struct sim_plant *p);
void plant_counters_reset(struct sim_plant *p);
void plant_derive_calibration(struct sim_plant *p);
/* Integrate the continuous parts from p->now to t (discrete state held constant). */
void plant_physics_step(struct sim_plant *p, int64_t t);
/* Deterministic noise factor 1 +- 0.2 % (1 when the seed is 0). */
double plant_noise(const struct sim_plant *p, uint64_t channel, int64_t t);
/* The monitor chip (cfg.monitor_chip) at power-on, and its conversions in (from, to]. */
void plant_monitor_reset(struct sim_plant *p);
void plant_monitor_step(struct sim_plant *p, int64_t from, int64_t to);

/* plant.c: bring the model to the current virtual time (speed > 0). */
void plant_sync(struct sim_plant *p);
/* plant.c: apply the consequences of a state change (supplies, host, link, edges). */
void plant_settle(struct sim_plant *p);
/* plant.c: fire every discrete event due at or before now. */
void plant_fire_due(struct sim_plant *p);
void plant_host_shutdown(struct sim_plant *p);
/* plant.c: the H2's power-button header follows H2_PWR_BTN (and the front button if wired). */
void plant_host_header_sync(struct sim_plant *p);

#endif
