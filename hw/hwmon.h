/* hwmon.h - hwmon chips found by name (libsensors), features by label, raw attributes. */
#ifndef H2BOX_HW_HWMON_H
#define H2BOX_HW_HWMON_H

#include <stddef.h>
#include <stdint.h>

struct hw;
struct hw_hwmon_chip;

enum hw_hwmon_kind {
	HW_HWMON_TEMP,  /* degrees C */
	HW_HWMON_FAN,   /* RPM */
	HW_HWMON_IN,    /* volts */
	HW_HWMON_CURR,  /* amperes */
	HW_HWMON_POWER, /* watts */
	HW_HWMON_KIND_COUNT, /* not a kind: the size of tables indexed by kind */
};

/*
 * Open the first chip whose libsensors name matches `pattern` (libsensors
 * syntax: "lm75-*", "emc2305-i2c-1-2e", "coretemp-isa-*"), never by hwmonN
 * number.  0, -ENOENT when no chip matches, or -errno.
 */
int hw_hwmon_chip_open(struct hw *hw, const char *pattern, struct hw_hwmon_chip **out);
/* The resolved chip name, e.g. "lm75-i2c-1-48". */
const char *hw_hwmon_chip_name(const struct hw_hwmon_chip *chip);
/*
 * Read the input of the feature whose libsensors label is `label` (for
 * example "temp1", "Package id 0", "fan1") in natural units.  0, -ENOENT
 * when no feature has that label, -ENODATA when the chip returns no value,
 * -ETIMEDOUT when the read did not complete within the backend's deadline
 * (linux: a worker thread reads, the caller waits at most 1 s, and at once
 * answers -ETIMEDOUT again while that attribute stays stuck), or -errno.
 * The sim backend answers inline, in virtual time.
 */
int hw_hwmon_read(struct hw_hwmon_chip *chip, enum hw_hwmon_kind kind, const char *label,
		  double *value);
/*
 * Several features of one chip in one go: each query's value and err (0 or hw_hwmon_read()'s
 * -errno).  The linux backend hands the whole list to the chip's worker at once (one wake-up,
 * one reply, one deadline for all); the sim reads them inline.  Returns the first query's
 * error in list order, 0 when every read succeeded.
 */
struct hw_hwmon_query {
	enum hw_hwmon_kind kind;
	const char *label;
	double value; /* out */
	int err;      /* out */
};
#define HW_HWMON_QUERIES_MAX 16
int hw_hwmon_read_many(struct hw_hwmon_chip *chip, struct hw_hwmon_query *q, unsigned n);
/*
 * Raw sysfs attribute of the chip, e.g. "pwm1", "pwm1_enable", "fan1_input".
 * 0, -ETIMEDOUT as above, or -errno.  A write that times out stays queued:
 * the latest value written is applied when the device answers again.
 */
int hw_hwmon_attr_read(struct hw_hwmon_chip *chip, const char *attr, long *value);
int hw_hwmon_attr_write(struct hw_hwmon_chip *chip, const char *attr, long value);
/*
 * Several raw attributes of one chip in one go (at most HW_HWMON_QUERIES_MAX): each value and
 * err (0 or hw_hwmon_attr_read()'s -errno); the linux backend hands them to the chip's worker
 * at once.  Returns the first error in list order, 0 when every read succeeded.
 */
int hw_hwmon_attr_read_many(struct hw_hwmon_chip *chip, const char *const *attrs, long *values,
			    int *errs, unsigned n);
/*
 * Post a write without waiting for it (a duty a control cycle): 0 once it is handed to the
 * chip's worker, or the error of this attribute's previous posted write that nobody was told of
 * yet (its value is posted all the same), or -ETIMEDOUT when the chip is wedged (the value is
 * kept: the latest one is applied when the device answers again, as for hw_hwmon_attr_write()).
 * The write's own result comes with the next batch read of the same attribute
 * (hw_hwmon_read_batch(): its err is the failed write's -errno) or with the next post; a write
 * still stuck past the deadline marks the chip wedged, exactly as a stuck read does.  Writes
 * to one attribute are applied in order, posted or not (the latest wins).  The sim writes at
 * once and answers the write's own result.
 */
int hw_hwmon_attr_post(struct hw_hwmon_chip *chip, const char *attr, long value);
void hw_hwmon_chip_close(struct hw_hwmon_chip *chip);

/*
 * Periodic sampling: up to HW_HWMON_SAMPLE_QUERIES features of one chip read every period_ns on
 * the grid first_ns + k * period_ns (the hw clock: CLOCK_MONOTONIC, virtual in the sim), kept
 * until drained.  The linux backend's worker wakes for each tick by itself and keeps up to
 * `capacity` samples; the caller drains them in batches, no round trip a sample.  A tick the
 * worker could not take in time, or found no room for, is missed (counted, never made up).  A
 * worker stuck past the read deadline yields samples whose err is -ETIMEDOUT at once.  The sim
 * answers in virtual time: a drain reads one sample per grid tick in (last drain, now], inline.
 * One schedule per chip: start again replaces it.  0 or -errno (-E2BIG: too many queries).
 */
#define HW_HWMON_SAMPLE_QUERIES 4
struct hw_hwmon_sample {
	int64_t t_ns; /* the tick the sample belongs to */
	double value[HW_HWMON_SAMPLE_QUERIES];
	int err[HW_HWMON_SAMPLE_QUERIES]; /* 0, or hw_hwmon_read()'s -errno */
};
int hw_hwmon_sampler_start(struct hw_hwmon_chip *chip, const struct hw_hwmon_query *q,
			   unsigned n, int64_t period_ns, int64_t first_ns, unsigned capacity);
/*
 * The samples taken up to now, oldest first, at most max: their count (0 or more) or -errno
 * (-ENOENT: no schedule).  *missed (may be NULL) gets the ticks missed since the last drain.
 */
int hw_hwmon_sampler_drain(struct hw_hwmon_chip *chip, int64_t now_ns,
			   struct hw_hwmon_sample *out, unsigned max, uint64_t *missed);
/* The schedule ends (a chip without one: nothing); closing the chip stops it too. */
void hw_hwmon_sampler_stop(struct hw_hwmon_chip *chip);

/* An explicit sysfs file holding one integer (milli-units are the caller's business); bounded the same way. */
int hw_hwmon_file_read(struct hw *hw, const char *path, long *value);

/*
 * Reads of several chips and files in one go (a control cycle's inputs): each request is a
 * feature (chip, kind, label: value in natural units), a raw attribute of a chip (chip, attr:
 * raw) or an explicit file (file, chip NULL: raw).  The linux backend hands each chip's share
 * to its worker first, then waits for all of them under one deadline: one wake-up per chip
 * and a wedged chip costs the others nothing (its requests answer -ETIMEDOUT, the others
 * their values, all within one deadline).  The sim answers inline, in virtual time.  At most
 * HW_HWMON_QUERIES_MAX requests; returns the first error in list order, 0 when all succeeded.
 */
struct hw_hwmon_read_req {
	struct hw_hwmon_chip *chip; /* NULL: `file` */
	const char *attr;           /* a raw attribute of chip ("pwm1"); NULL: the feature below */
	enum hw_hwmon_kind kind;
	const char *label;
	const char *file;
	double value; /* out: a feature's reading */
	long raw;     /* out: an attribute's or a file's integer */
	int err;      /* out: 0 or -errno as the single-read calls answer it */
};
int hw_hwmon_read_batch(struct hw *hw, struct hw_hwmon_read_req *req, unsigned n);

#endif
