/* plant.h - the simulated H2 box: PSU, H2, NIC, fan, heatsink, disks, INA226, in virtual time. */
#ifndef H2BOX_SIM_PLANT_H
#define H2BOX_SIM_PLANT_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * The simulated ConnectX-2 has a 256-byte max payload (DevCtl). PCIe 2.0 x4 gives 16 Gb/s of
 * data; with 24 bytes of TLP overhead per 256-byte payload that leaves 14.6 Gb/s, consistent with
 * the article's measured 14.4 Gb/s (a 128-byte payload would cap it at 13.5).
 *
 * `iperf3-both` reads the article's 25.6 Gb/s the article's way: "iperf3 sums the input and
 * output traffic". The simulated ports carry 12.8 Gb/s out of port 1 and 12.8 into port 2, each
 * within the x4 link's 14.6 Gb/s per direction, and their sum, what `h2box record` counts as
 * bytes through the ports, is the 25.6 iperf3 printed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_plant;

/* Which of the article's two builds the plant reproduces. */
enum sim_build {
	SIM_BUILD_SFX,   /* SFX PSU powers everything; the monitor reads the whole box */
	SIM_BUILD_BRICK, /* 15 V brick powers H2 + disks (monitored), SFX powers the NIC only */
};

/* The power monitor on the monitored rail (bus 1, 0x40, a 2 mOhm shunt for the INA219/INA226). */
enum sim_monitor_chip {
	SIM_MONITOR_INA226 = 0, /* the default */
	SIM_MONITOR_INA219,
	SIM_MONITOR_INA260, /* integrated 2 mOhm shunt */
};

struct sim_plant_config {
	enum sim_build build;
	enum sim_monitor_chip monitor_chip;
	double ambient_c;             /* default 25 */
	double speed;                 /* virtual s per real s; 0 = paused (explicit advances only) */
	int64_t psu_ok_delay_ns;      /* PS_ON -> PWR_OK, default 300 ms (ATX: 100-500 ms) */
	int64_t host_boot_ns;         /* button pulse -> power LED stays on after boot, default 30 s */
	int64_t host_shutdown_ns;     /* ACPI soft-off duration, default 8 s */
	int64_t link_up_ns;           /* host boot done -> IB port ACTIVE, default 10 s */
	bool host_starts_on_power;    /* H2 BIOS "power on after AC", default false */
	bool host_on_own_supply;      /* H2 powered by the brick, not the PSU (brick build) */
	bool host_running;            /* start with the H2 booted: h2boxd runs on it (self topology) */
	/*
	 * The front button is wired to the H2's own power-button header too (self topology: no
	 * controller presses it): a press boots a dark H2, a short press of a running one asks its
	 * OS to shut down, a 4 s hold forces it off, all in hardware.
	 */
	bool button_to_host;
	uint64_t seed;                /* noise seed; 0 = no noise */
};

void sim_plant_config_defaults(struct sim_plant_config *cfg, enum sim_build build);
int sim_plant_new(const struct sim_plant_config *cfg, struct sim_plant **out);
void sim_plant_free(struct sim_plant *p);

/* ---- virtual time ----
 * The plant owns the virtual clock.  While speed > 0 virtual time runs at
 * speed x CLOCK_MONOTONIC; sim_plant_now() reads it (and brings the model
 * up to date).  sim_plant_advance_to() moves it forward explicitly, which is
 * how tests run hours in milliseconds and stay deterministic.
 */
int64_t sim_plant_now(struct sim_plant *p);
int sim_plant_advance_to(struct sim_plant *p, int64_t mono_ns);
double sim_plant_speed(const struct sim_plant *p);
int sim_plant_set_speed(struct sim_plant *p, double speed);
/*
 * While the clock runs, virtual time stops at t until the horizon moves
 * (INT64_MAX: none, the default).  The owner of the box's timers sets it
 * to its next deadline, so a process that wakes late replays its timers
 * and the plant's edges in order instead of finding time far past both:
 * under load the box's time slows down rather than skipping events.
 * Explicit advances (sim_plant_advance_to) go past it.
 */
void sim_plant_horizon_set(struct sim_plant *p, int64_t t);
/* Virtual wall clock (ns since the epoch), settable for schedule tests. */
int64_t sim_plant_real_ns(struct sim_plant *p);
void sim_plant_set_real_ns(struct sim_plant *p, int64_t real_ns);
/* Virtual time of the next discrete event (PWR_OK edge, boot done, button release...), INT64_MAX if none. */
int64_t sim_plant_next_event(struct sim_plant *p);

/* ---- GPIO lines (physical levels, 0 = low) ----
 * Names match the real-hardware profiles and the kernel rig's gpio-sim chip:
 *   PSU_ON_N    out  PS_ON#, low = PSU on (open drain on real hardware)
 *   PSU_PWR_OK  in   PWR_OK, high = rails good
 *   PWR_BUTTON  in   front button, low while pressed
 *   PWR_LED     out  button LED, high = lit
 *   H2_PWR_BTN  out  drives the H2 power-button header, high = pressed
 *   H2_PWR_LED  in   the H2 power LED, high = host running
 */
enum sim_line {
	SIM_LINE_PSU_ON_N,
	SIM_LINE_PSU_PWR_OK,
	SIM_LINE_PWR_BUTTON,
	SIM_LINE_PWR_LED,
	SIM_LINE_H2_PWR_BTN,
	SIM_LINE_H2_PWR_LED,
	SIM_LINE_COUNT,
};
int sim_plant_line_lookup(const char *name);     /* enum sim_line or -ENOENT */
const char *sim_plant_line_name(enum sim_line line);
bool sim_plant_line_is_output(enum sim_line line); /* driven by the daemon */
int sim_plant_line_get(struct sim_plant *p, enum sim_line line);
int sim_plant_line_set(struct sim_plant *p, enum sim_line line, int level); /* outputs only */
/* Called for every edge the plant makes on an input line, with the virtual time of the edge. */
typedef void (*sim_plant_edge_fn)(void *userdata, enum sim_line line, int level, int64_t ts_ns);
void sim_plant_edge_listener_set(struct sim_plant *p, sim_plant_edge_fn fn, void *userdata);

/* ---- operator controls (h2box sim ...) ---- */
/* Press the front button now for hold_ns (debounce tests use short holds). */
int sim_plant_button_press(struct sim_plant *p, int64_t hold_ns);
int sim_plant_workload_set(struct sim_plant *p, const char *name); /* -EINVAL unknown */
const char *sim_plant_workload_get(const struct sim_plant *p);
/* NULL-terminated list of names, and a one-line description of each. */
const char *const *sim_plant_workload_names(void);
const char *sim_plant_workload_describe(const char *name);
int sim_plant_ambient_set(struct sim_plant *p, double celsius);
int sim_plant_load_set(struct sim_plant *p, double watts); /* extra load on the monitored rail */
int sim_plant_fault_set(struct sim_plant *p, const char *name, bool on);
bool sim_plant_fault_get(const struct sim_plant *p, const char *name);
const char *const *sim_plant_fault_names(void);
const char *sim_plant_fault_describe(const char *name);
/*
 * sensor-hang: where the hung read announces itself (PATH.out, a line "hung") and waits for its
 * release (a line on PATH.in, or its last writer closing).  Both are FIFOs the caller creates.
 */
int sim_plant_hang_fifo_set(struct sim_plant *p, const char *path);
const char *sim_plant_hang_fifo(const struct sim_plant *p);
/* The H2's own OS runs `poweroff` (host-initiated shutdown). */
int sim_plant_host_poweroff(struct sim_plant *p);
/* Throttles applied by the daemon's actions (sim side of tc/tbf, cpufreq). <= 0 clears. */
int sim_plant_ipoib_rate_limit(struct sim_plant *p, double gbps);
int sim_plant_cpu_cap_pct(struct sim_plant *p, double pct);
/*
 * RDMA traffic of the simulated verbs fabric (hw/sim/verbs.c), on top of the
 * workload: gbps[port 0/1][0 = tx, 1 = rx] of payload, and how many
 * processes busy-poll a completion queue meanwhile (each keeps a CPU core
 * busy).  The rates flow only while the link is up and the host runs; they
 * move the port counters and the NIC's and host's power like any traffic.
 * NULL gbps and 0 pollers clear it.  -EINVAL for a negative or NaN rate.
 */
int sim_plant_rdma_set(struct sim_plant *p, const double gbps[2][2], int pollers);

/* ---- truth, for tests and `h2box sim status` ---- */
struct sim_plant_truth {
	int64_t now_ns;
	bool psu_on, psu_ok, host_on, host_booting, host_stopping, link_up;
	bool button_led;      /* PWR_LED as driven now: the front button's LED is lit */
	double monitored_w;   /* exact power on the monitored rail */
	double monitored_v;   /* bus voltage of the monitored rail */
	double energy_j;      /* exact integral of monitored_w since plant start */
	double nic_w, nic_temp_c, cpu_temp_c, disk_temp_c, ambient_c;
	double fan_duty_pct, fan_rpm;
	double ib_tx_gbps, ib_rx_gbps; /* port 1 */
	double rdma_gbps;              /* verbs traffic summed over ports and directions */
	const char *workload;
};
void sim_plant_truth_get(struct sim_plant *p, struct sim_plant_truth *t);

/* ---- devices the sim bus backends expose (called by the hw/sim backends) ---- */
/*
 * I2C: the monitor chip (cfg.monitor_chip: INA226, INA219 or INA260, each
 * with its datasheet's register map and LSBs) at bus 1 address 0x40; SMBus
 * word as on the wire (low byte first).
 */
#define SIM_PLANT_INA_BUS 1
#define SIM_PLANT_INA_ADDR 0x40
int sim_plant_i2c_read_word(struct sim_plant *p, int bus, uint8_t addr, uint8_t reg, uint16_t *v);
int sim_plant_i2c_write_word(struct sim_plant *p, int bus, uint8_t addr, uint8_t reg, uint16_t v);
/* Whether a device answers: 0, -ENOENT (no such adapter) or -ENXIO (no device at addr). */
int sim_plant_i2c_probe(struct sim_plant *p, int bus, uint8_t addr);
/*
 * Faults of single transfers, checked by the sim I2C backend before each one reaches a
 * device: the faults i2c-ina-bus/-current/-power fail every read of that INA2xx register
 * (INA260: its current register 0x01); sim_plant_i2c_fail_nth(p, n) fails the n-th transfer
 * on bus 1 from now (1: the next), once; 0 cancels.  0 or -EIO.
 */
void sim_plant_i2c_fail_nth(struct sim_plant *p, int n);
int sim_plant_i2c_transfer_fault(struct sim_plant *p, int bus, uint8_t reg, bool read);
/*
 * hwmon: chips by libsensors-style name; attributes by sysfs name in sysfs
 * units (millidegrees, RPM, 0-255 pwm).  Sim chips:
 *   lm75-i2c-1-48      temp1_input  NIC heatsink (label "temp1")
 *   coretemp-isa-0000  temp1_input  CPU package (label "Package id 0")
 *   drivetemp-scsi-0-0 temp1_input  HDD (label "temp1")
 *   emc2305-i2c-1-2e   pwm1, pwm1_enable, fan1_input  NIC fan
 */
int sim_plant_hwmon_chip_count(void);
const char *sim_plant_hwmon_chip_name(int index);
int sim_plant_hwmon_attr_read(struct sim_plant *p, const char *chip, const char *attr, long *v);
int sim_plant_hwmon_attr_write(struct sim_plant *p, const char *chip, const char *attr, long v);
const char *sim_plant_hwmon_label(const char *chip, const char *attr_prefix); /* "temp1" -> label */
/* The NIC's names on the sim buses; both exist only while the NIC is powered. */
#define SIM_PLANT_IB_DEV "mlx4_0"
#define SIM_PLANT_NIC_SLOT "0000:01:00.0"
/* IB: mlx4_0 with two ports; counters in sysfs units (port_xmit_data counts 4-octet words). */
int sim_plant_ib_port(struct sim_plant *p, int port, int *state, int *phys_state,
		      int *width_code, int *speed_code);
int sim_plant_ib_counter(struct sim_plant *p, int port, const char *name, uint64_t *v, int *bits);
/* PCI: the ConnectX-2 (15b3:673c) at 0000:01:00.0, LnkCap x8 5 GT/s, LnkSta x4 5 GT/s. */
int sim_plant_pci_config(struct sim_plant *p, uint8_t *buf, size_t len);

#endif
