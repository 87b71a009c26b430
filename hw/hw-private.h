/* hw-private.h - the backend ops tables behind struct hw; only hw/ includes this. */
#ifndef H2BOX_HW_PRIVATE_H
#define H2BOX_HW_PRIVATE_H

#include "hw/clock.h"
#include "hw/gpio.h"
#include "hw/host.h"
#include "hw/hw.h"
#include "hw/hwmon.h"
#include "hw/i2c.h"
#include "hw/ib.h"
#include "hw/knob.h"
#include "hw/pci.h"
#include "hw/verbs.h"

/*
 * Every backend handle starts with a pointer to its ops table, so the
 * generic dispatch in hw/<bus>.c can reach the right backend from the
 * handle alone (libgpiod/rdma-core style static const ops tables).
 */
struct hw_gpio_line {
	const struct hw_gpio_ops *ops;
	char name[64];
};

struct hw_i2c_dev {
	const struct hw_i2c_ops *ops;
	int bus;
	uint8_t addr;
};

struct hw_hwmon_chip {
	const struct hw_hwmon_ops *ops;
	char name[128];
};

struct hw_clock_ops {
	int64_t (*mono_ns)(struct hw *hw);
	int64_t (*real_ns)(struct hw *hw);
	double (*speed)(struct hw *hw);
	int (*advance_to)(struct hw *hw, int64_t mono_ns);
	int (*set_speed)(struct hw *hw, double speed);
	int (*set_real)(struct hw *hw, int64_t real_ns);
	/* NULL: the box has no events of its own (hw.c answers INT64_MAX / does nothing) */
	int64_t (*next_event)(struct hw *hw);
	void (*horizon_set)(struct hw *hw, int64_t mono_ns);
};

struct hw_gpio_ops {
	int (*open)(struct hw *hw, const char *name, enum hw_gpio_dir dir, unsigned flags,
		    int initial, const char *consumer, struct hw_gpio_line **out);
	int (*get)(struct hw_gpio_line *line);
	int (*set)(struct hw_gpio_line *line, int value);
	int (*fd)(struct hw_gpio_line *line);
	int (*event_read)(struct hw_gpio_line *line, struct hw_gpio_event *ev);
	void (*close)(struct hw_gpio_line *line);
	int (*chips_list)(struct hw *hw, struct hw_gpio_chip_info *out, int max);
	int (*chip_lines)(struct hw *hw, const char *chip, struct hw_gpio_line_info *out, int max);
};

struct hw_i2c_ops {
	int (*open)(struct hw *hw, int bus, uint8_t addr, struct hw_i2c_dev **out);
	int (*read_word)(struct hw_i2c_dev *dev, uint8_t reg, uint16_t *val);
	int (*write_word)(struct hw_i2c_dev *dev, uint8_t reg, uint16_t val);
	int (*read_byte)(struct hw_i2c_dev *dev, uint8_t reg, uint8_t *val);
	int (*write_byte)(struct hw_i2c_dev *dev, uint8_t reg, uint8_t val);
	void (*close)(struct hw_i2c_dev *dev);
	int (*client_get)(struct hw *hw, int bus, uint8_t addr, char *name, size_t len, bool *bound);
	/* NULL: the backend has no kernel devices to create (hw.c answers -EOPNOTSUPP) */
	int (*device_ensure)(struct hw *hw, int bus, uint8_t addr, const char *name, bool create,
			     struct hw_i2c_device *dev);
};

/* A sampler's queries as a backend keeps them: hw.c copies the caller's in. */
struct hw_hwmon_sampler_set {
	unsigned n;
	enum hw_hwmon_kind kind[HW_HWMON_SAMPLE_QUERIES];
	char label[HW_HWMON_SAMPLE_QUERIES][64];
};

struct hw_hwmon_ops {
	int (*open)(struct hw *hw, const char *pattern, struct hw_hwmon_chip **out);
	int (*read)(struct hw_hwmon_chip *chip, enum hw_hwmon_kind kind, const char *label,
		    double *value);
	/* NULL: hw.c calls read for each query in turn */
	void (*read_many)(struct hw_hwmon_chip *chip, struct hw_hwmon_query *q, unsigned n);
	int (*attr_read)(struct hw_hwmon_chip *chip, const char *attr, long *value);
	/* NULL: hw.c calls attr_read for each attribute in turn */
	void (*attr_read_many)(struct hw_hwmon_chip *chip, const char *const *attrs, long *values,
			       int *errs, unsigned n);
	int (*attr_write)(struct hw_hwmon_chip *chip, const char *attr, long value);
	void (*close)(struct hw_hwmon_chip *chip);
	int (*file_read)(struct hw *hw, const char *path, long *value);
	/* NULL: hw.c writes at once through attr_write (the sim) */
	int (*attr_post)(struct hw_hwmon_chip *chip, const char *attr, long value);
	/* NULL: hw.c answers each request in turn through read, attr_read and file_read (the sim) */
	void (*read_batch)(struct hw *hw, struct hw_hwmon_read_req *req, unsigned n);
	/* periodic sampling (hw/hwmon.h hw_hwmon_sampler_*); hw.c checks and copies the queries */
	int (*sampler_start)(struct hw_hwmon_chip *chip, const struct hw_hwmon_sampler_set *set,
			     int64_t period_ns, int64_t first_ns, unsigned capacity);
	int (*sampler_drain)(struct hw_hwmon_chip *chip, int64_t now_ns,
			     struct hw_hwmon_sample *out, unsigned max, uint64_t *missed);
	void (*sampler_stop)(struct hw_hwmon_chip *chip);
};

struct hw_pci_ops {
	int (*find)(struct hw *hw, uint16_t vendor, uint16_t device, struct hw_pci_dev *out, int max);
	int (*config_read)(struct hw *hw, const char *slot, uint8_t *buf, size_t len);
	int (*rescan)(struct hw *hw);
	int (*link_read)(struct hw *hw, const char *slot, struct hw_pci_link *link);
};

struct hw_ib_ops {
	int (*devices)(struct hw *hw, char names[][HW_IB_NAME_MAX], int max);
	int (*port_count)(struct hw *hw, const char *dev);
	int (*port_query)(struct hw *hw, const char *dev, int port, struct hw_ib_port_attr *attr);
	int (*pci_slot)(struct hw *hw, const char *dev, char *slot, int len);
	int (*counter_read)(struct hw *hw, const char *dev, int port, const char *name,
			    uint64_t *value, int *bits);
	int (*device_info)(struct hw *hw, const char *dev, struct hw_ib_device_info *info);
	int (*sm_process)(struct hw *hw);
};

struct hw_host_ops {
	int (*poweroff)(struct hw *hw, char *err, size_t errlen);
	bool (*os_up)(struct hw *hw);
	const char *(*alive_line)(struct hw *hw); /* NULL: none */
};

struct hw_knob_ops {
	int (*tbf_set)(struct hw *hw, const char *ifname, uint64_t rate_bps, uint32_t burst);
	int (*qdisc_clear)(struct hw *hw, const char *ifname);
	int (*write)(struct hw *hw, const char *path, const char *value);
	int (*read)(struct hw *hw, const char *path, char *buf, size_t len);
};

/* Verbs handles: the context starts with its ops table (hw->verbs at open), its MRs and QPs
 * reach it through ctx. */
struct hw_verbs_ctx {
	const struct hw_verbs_ops *ops;
	struct hw *hw;
};

struct hw_verbs_mr {
	struct hw_verbs_ctx *ctx;
	void *buf;
	size_t len;
	uint64_t addr;
	uint32_t rkey, lkey;
};

struct hw_verbs_qp {
	struct hw_verbs_ctx *ctx;
	struct hw_verbs_qp_info local;
	struct hw_verbs_qp_caps caps;
};

struct hw_verbs_ops {
	int (*open)(struct hw *hw, const char *dev, int port, int gid_index, int cq_depth,
		    struct hw_verbs_ctx **out, char *err, size_t errlen);
	void (*close)(struct hw_verbs_ctx *c);
	int (*memlock_get)(struct hw *hw, struct hw_verbs_memlock *m);
	int64_t (*now_ns)(struct hw_verbs_ctx *c);
	int (*mr_reg)(struct hw_verbs_ctx *c, size_t len, struct hw_verbs_mr **out);
	void (*mr_dereg)(struct hw_verbs_mr *mr);
	int (*qp_create)(struct hw_verbs_ctx *c, int max_send_wr, int max_recv_wr,
			 struct hw_verbs_qp **out);
	void (*qp_destroy)(struct hw_verbs_qp *qp);
	int (*qp_connect)(struct hw_verbs_qp *qp, const struct hw_verbs_qp_info *remote, char *err,
			  size_t errlen);
	int (*post_write)(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			  uint64_t raddr, uint32_t rkey, uint64_t wr_id, bool signaled);
	/* optional: without it hw_verbs_post_writes() posts one at a time */
	int (*post_writes)(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			   uint64_t raddr, uint32_t rkey, uint64_t wr_id, int n, bool signal_last);
	int (*post_send)(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			 uint64_t wr_id, bool signaled);
	int (*post_recv)(struct hw_verbs_qp *qp, struct hw_verbs_mr *mr, size_t off, size_t len,
			 uint64_t wr_id);
	int (*poll)(struct hw_verbs_ctx *c, struct hw_verbs_wc *wc, int max);
};

struct hw {
	enum hw_kind kind;
	const struct hw_clock_ops *clock;
	const struct hw_gpio_ops *gpio;
	const struct hw_i2c_ops *i2c;
	const struct hw_hwmon_ops *hwmon;
	const struct hw_pci_ops *pci;
	const struct hw_ib_ops *ib;
	const struct hw_host_ops *host;
	const struct hw_knob_ops *knob;
	const struct hw_verbs_ops *verbs;
	void (*backend_free)(struct hw *hw); /* frees what backend points to */
	void *backend; /* linux: struct hw_linux_state *; sim: struct hw_sim_state * */
};

/*
 * A zeroed struct hw of that kind, for a backend's constructor
 * (hw/linux/backend.c, hw/sim/backend.c) to fill in; NULL without memory.
 * hw_free() calls backend_free, then frees it.
 */
struct hw *hw_alloc(enum hw_kind kind);

/* Backend tables, defined in the hw/linux and hw/sim backends. */
extern const struct hw_clock_ops hw_clock_linux_ops, hw_clock_sim_ops;
extern const struct hw_gpio_ops hw_gpio_linux_ops, hw_gpio_sim_ops;
extern const struct hw_i2c_ops hw_i2c_linux_ops, hw_i2c_sim_ops;
extern const struct hw_hwmon_ops hw_hwmon_linux_ops, hw_hwmon_sim_ops;
extern const struct hw_pci_ops hw_pci_linux_ops, hw_pci_sim_ops;
extern const struct hw_ib_ops hw_ib_linux_ops, hw_ib_sim_ops;
extern const struct hw_host_ops hw_host_linux_ops, hw_host_sim_ops;
extern const struct hw_knob_ops hw_knob_linux_ops, hw_knob_sim_ops;
extern const struct hw_verbs_ops hw_verbs_linux_ops, hw_verbs_sim_ops;

/* Backend state lifecycle (hw/linux/state.c, hw/sim/state.c). */
int hw_linux_state_new(struct hw *hw);
void hw_linux_state_free(struct hw *hw);
int hw_sim_state_new(struct hw *hw, struct sim_plant *plant);
void hw_sim_state_free(struct hw *hw);

#endif
