/* fancal.h - NIC fan calibration: a pure state machine that finds start/min duty and rpm range. */
#ifndef H2BOX_FANCAL_H
#define H2BOX_FANCAL_H

#include <stdint.h>

struct fan_calibration {
	double start_duty; /* lowest duty that starts the fan from stop (+ one step margin) */
	double min_duty;   /* lowest duty that keeps it turning (+ one step margin) */
	double min_rpm;    /* rpm at the measured minimum */
	double max_rpm;    /* rpm at 100 % */
};

enum fancal_phase {
	FANCAL_IDLE,
	FANCAL_MAX,  /* 100 %, settle, read max rpm */
	FANCAL_DOWN, /* step down until it stops */
	FANCAL_STOP, /* 0 %, wait until stopped */
	FANCAL_UP,   /* step up from 0 until it starts */
	FANCAL_DONE,
	FANCAL_FAILED,
};

struct fancal {
	enum fancal_phase phase;
	double duty;
	int64_t phase_ns; /* when the current duty was set */
	double step, spin_rpm;
	int64_t settle_ns, max_settle_ns;
	struct fan_calibration result;
	const char *error;
};

/* step: duty step %; spin_rpm: below this the fan counts as stopped; settle: per step. */
void fancal_start(struct fancal *k, double step, double spin_rpm, int64_t settle_ns,
		  int64_t now_ns);
/* Feed the tach reading taken at now_ns (NAN = unknown); returns the duty to apply next. */
double fancal_step(struct fancal *k, double rpm, int64_t now_ns);
const char *fancal_phase_name(enum fancal_phase p);

#endif
