/* prom.c - Prometheus text format: families with HELP/TYPE once, escaped labels, sorted samples. */
#include "supervisor/util/prom.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prom_family {
	char *name, *help;
	enum prom_type type;
};

struct prom_sample {
	int family;
	char *labels; /* `a="x",b="y"` escaped, "" for none */
	double value;
	int seq;      /* insertion order: ties sort stably */
};

struct prom {
	struct prom_family *fam;
	int nfam, capfam;
	struct prom_sample *smp;
	int nsmp, capsmp;
	bool failed;
};

struct prom *prom_new(void)
{
	return calloc(1, sizeof(struct prom));
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nfam; i++) {
		free(p->fam[i].name);
		free(p->fam[i].help);
	}
	for (int i = 0; i < p->nsmp; i++)
		free(p->smp[i].labels);
	free(p->fam);
	free(p->smp);
	free(p);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no colon); a bad name is the caller's bug */
static bool prom_name_ok(const char *s, bool colon)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':')))
			return false;
	return true;
}

static int prom_family_find(const struct prom *p, const char *name)
{
	for (int i = 0; i < p->nfam; i++)
		if (strcmp(p->fam[i].name, name) == 0)
			return i;
	return -1;
}

static bool prom_grow(void **arr, int *cap, int n, size_t size)
{
	void *na;
	int nc;

	if (n < *cap)
		return true;
	nc = *cap ? 2 * *cap : 16;
	na = realloc(*arr, (size_t)nc * size);
	if (!na)
		return false;
	*arr = na;
	*cap = nc;
	return true;
}

void prom_family(struct prom *p, const char *name, enum prom_type type, const char *help)
{
	struct prom_family *f;

	assert(prom_name_ok(name, true));
	if (p->failed || prom_family_find(p, name) >= 0)
		return;
	if (!prom_grow((void **)&p->fam, &p->capfam, p->nfam, sizeof(*p->fam))) {
		p->failed = true;
		return;
	}
	f = &p->fam[p->nfam];
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	f->type = type;
	if (!f->name || !f->help) {
		free(f->name);
		free(f->help);
		p->failed = true;
		return;
	}
	p->nfam++;
}

/* A label value or help text with \\ and \n (and \" in label values) escaped. */
static void prom_escape(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void prom_sample(struct prom *p, const char *name, double value, ...)
{
	struct prom_sample *s;
	const char *k, *v;
	char *buf = NULL;
	size_t len = 0;
	bool first = true;
	va_list ap;
	FILE *f;
	int fam;

	if (p->failed)
		return;
	fam = prom_family_find(p, name);
	assert(fam >= 0); /* declare the family first */
	f = open_memstream(&buf, &len);
	if (!f) {
		p->failed = true;
		return;
	}
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		assert(prom_name_ok(k, false));
		if (!v)
			continue;
		fprintf(f, "%s%s=\"", first ? "" : ",", k);
		prom_escape(f, v, true);
		fputc('"', f);
		first = false;
	}
	va_end(ap);
	if (fclose(f) != 0 || !buf ||
	    !prom_grow((void **)&p->smp, &p->capsmp, p->nsmp, sizeof(*p->smp))) {
		free(buf);
		p->failed = true;
		return;
	}
	s = &p->smp[p->nsmp];
	s->family = fam;
	s->labels = buf;
	s->value = value;
	s->seq = p->nsmp++;
}

static const struct prom *prom_sorting; /* qsort has no context argument */

static int prom_sample_cmp(const void *a, const void *b)
{
	const struct prom_sample *x = a, *y = b;
	int c = strcmp(prom_sorting->fam[x->family].name, prom_sorting->fam[y->family].name);

	if (!c)
		c = strcmp(x->labels, y->labels);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void prom_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.10g", v);
}

char *prom_render(struct prom *p, size_t *len)
{
	static const char *const types[] = { [PROM_GAUGE] = "gauge", [PROM_COUNTER] = "counter" };
	char *buf = NULL;
	size_t n = 0;
	int last = -1;
	FILE *f;

	if (p->failed)
		return NULL;
	prom_sorting = p;
	qsort(p->smp, (size_t)p->nsmp, sizeof(*p->smp), prom_sample_cmp);
	prom_sorting = NULL;
	f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	/* a family without samples is left out: nothing to say about it */
	for (int i = 0; i < p->nsmp; i++) {
		const struct prom_sample *s = &p->smp[i];
		const struct prom_family *fm = &p->fam[s->family];

		if (s->family != last) {
			fprintf(f, "# HELP %s ", fm->name);
			prom_escape(f, fm->help, false);
			fprintf(f, "\n# TYPE %s %s\n", fm->name, types[fm->type]);
			last = s->family;
		}
		fputs(fm->name, f);
		if (s->labels[0])
			fprintf(f, "{%s}", s->labels);
		fputc(' ', f);
		prom_value(f, s->value);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}
