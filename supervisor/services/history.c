/* history.c - the ring of the last hour of readings and its JSON (history.h says why). */
#include "supervisor/services/history.h"

#include "supervisor/util/json.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct history {
	int next;   /* slot the next sample goes to */
	int count;  /* samples held */
	int ntemps; /* temperature columns named so far */
	char temp_names[BOX_TEMPS_MAX][BOX_NAME_MAX];
	struct history_point points[HISTORY_POINTS];
};

int history_new(struct history **out)
{
	struct history *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	*out = h;
	return 0;
}

void history_free(struct history *h)
{
	free(h);
}

/* The column of input name, added when new and there is room; -1 when none. */
static int history_temp_column(struct history *h, const char *name)
{
	for (int k = 0; k < h->ntemps; k++)
		if (strcmp(h->temp_names[k], name) == 0)
			return k;
	if (h->ntemps >= BOX_TEMPS_MAX || !name[0])
		return -1;
	snprintf(h->temp_names[h->ntemps], BOX_NAME_MAX, "%s", name);
	return h->ntemps++;
}

void history_sample(struct history *h, const struct box_readings *r, int64_t mono_ns,
		    int64_t real_ns)
{
	struct history_point *p = &h->points[h->next];

	p->mono_ns = mono_ns;
	p->real_ns = real_ns;
	p->watts = r->watts;
	p->fan_duty_pct = r->fan_duty_pct;
	p->fan_duty_actual_pct = r->fan_duty_actual_pct;
	p->ib_rx_gbps = r->ib_rx_gbps;
	p->ib_tx_gbps = r->ib_tx_gbps;
	/* every column is written: one without a reading now is unknown, not last hour's value */
	for (int k = 0; k < BOX_TEMPS_MAX; k++)
		p->temps_c[k] = NAN;
	for (int i = 0; i < r->ntemps && i < BOX_TEMPS_MAX; i++) {
		int k = history_temp_column(h, r->temps[i].name);

		if (k >= 0)
			p->temps_c[k] = r->temps[i].celsius;
	}
	h->next = (h->next + 1) % HISTORY_POINTS;
	if (h->count < HISTORY_POINTS)
		h->count++;
}

int history_count(const struct history *h)
{
	return h->count;
}

const struct history_point *history_point_at(const struct history *h, int i)
{
	if (i < 0 || i >= h->count)
		return NULL;
	return &h->points[(h->next - h->count + i + HISTORY_POINTS) % HISTORY_POINTS];
}

int history_ntemps(const struct history *h)
{
	return h->ntemps;
}

const char *history_temp_name(const struct history *h, int k)
{
	return k >= 0 && k < h->ntemps ? h->temp_names[k] : NULL;
}

/* One array of a double member of every point, oldest first. */
static void history_json_series(const struct history *h, struct json *j, const char *key,
				size_t offset, int decimals)
{
	json_array_begin(j, key);
	for (int i = 0; i < h->count; i++) {
		const char *p = (const char *)history_point_at(h, i);
		double v;

		memcpy(&v, p + offset, sizeof(v));
		json_number(j, NULL, v, decimals);
	}
	json_array_end(j);
}

void history_json(const struct history *h, struct json *j, int64_t now_ns)
{
	json_number(j, "period_s", (double)HISTORY_PERIOD_NS / HW_NSEC_PER_SEC, 0);
	json_int(j, "capacity", HISTORY_POINTS);
	json_int(j, "count", h->count);
	json_array_begin(j, "time");
	for (int i = 0; i < h->count; i++)
		json_time(j, NULL, history_point_at(h, i)->real_ns);
	json_array_end(j);
	json_array_begin(j, "age_s");
	for (int i = 0; i < h->count; i++)
		json_number(j, NULL, (double)(now_ns - history_point_at(h, i)->mono_ns) / 1e9, 1);
	json_array_end(j);
	history_json_series(h, j, "watts", offsetof(struct history_point, watts), 2);
	history_json_series(h, j, "fan_duty_pct", offsetof(struct history_point, fan_duty_pct), 1);
	history_json_series(h, j, "fan_duty_actual_pct",
			    offsetof(struct history_point, fan_duty_actual_pct), 1);
	history_json_series(h, j, "ib_rx_gbps", offsetof(struct history_point, ib_rx_gbps), 3);
	history_json_series(h, j, "ib_tx_gbps", offsetof(struct history_point, ib_tx_gbps), 3);
	json_object_begin(j, "temps_c");
	for (int k = 0; k < h->ntemps; k++)
		history_json_series(h, j, h->temp_names[k],
				    offsetof(struct history_point, temps_c) + (size_t)k * sizeof(double),
				    1);
	json_object_end(j);
}
