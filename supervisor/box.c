/* box.c - shared readings of the daemon's services: named temperatures and readiness holds. */
#include "supervisor/box.h"

#include <stdio.h>
#include <string.h>

double box_temp_get(const struct box *b, const char *name)
{
	for (int i = 0; i < b->readings.ntemps; i++)
		if (strcmp(b->readings.temps[i].name, name) == 0)
			return b->readings.temps[i].celsius;
	return NAN;
}

void box_temp_set(struct box *b, const char *name, double celsius, int64_t now_ns)
{
	struct box_readings *r = &b->readings;
	struct box_temp *t = NULL;

	for (int i = 0; i < r->ntemps; i++)
		if (strcmp(r->temps[i].name, name) == 0)
			t = &r->temps[i];
	if (!t) {
		if (r->ntemps >= BOX_TEMPS_MAX)
			return;
		t = &r->temps[r->ntemps++];
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->updated_ns = 0;
	}
	t->celsius = isfinite(celsius) ? celsius : NAN;
	if (isfinite(celsius))
		t->updated_ns = now_ns;
}
