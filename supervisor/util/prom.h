/* prom.h - a small writer of Prometheus' text exposition format (families, labels, sorted output). */
#ifndef H2BOX_PROM_H
#define H2BOX_PROM_H

#include <stddef.h>

struct prom;

enum prom_type {
	PROM_GAUGE,
	PROM_COUNTER,
};

/*
 * Families are declared (name, type, help) and samples added in any order; prom_render() writes
 * each family once, HELP and TYPE first, families sorted by name and samples by their labels,
 * so two renders of the same figures are the same text.  A value that is not finite is written
 * NaN (or +Inf/-Inf): a failed sensor is never a number and never breaks a scrape.  Errors (out
 * of memory) are sticky and make prom_render() return NULL.
 */
struct prom *prom_new(void);
void prom_free(struct prom *p);
/* Declare a family; declaring it again is harmless (the first help stays). */
void prom_family(struct prom *p, const char *name, enum prom_type type, const char *help);
/*
 * One sample of a declared family; then label name and value pairs, ended by NULL
 * (prom_sample(p, "h2box_temperature_celsius", 41.5, "input", "nic", NULL)).  A value is escaped
 * (\\, \", \n) and a NULL value leaves its label out.
 */
void prom_sample(struct prom *p, const char *name, double value, ...)
	__attribute__((sentinel));
/* The exposition text (malloc'd, NUL-terminated; *len without the NUL), NULL on error. */
char *prom_render(struct prom *p, size_t *len);

#endif
