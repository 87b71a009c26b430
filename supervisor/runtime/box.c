/* box.c - shared readings of the daemon's services: named temperatures, readiness holds, hooks. */
#include "supervisor/runtime/box.h"

#include "supervisor/runtime/loop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct box_temp *box_temp_find(const struct box *b, const char *name)
{
	for (int i = 0; i < b->readings.ntemps; i++)
		if (strcmp(b->readings.temps[i].name, name) == 0)
			return &b->readings.temps[i];
	return NULL;
}

double box_temp_get(const struct box *b, const char *name)
{
	const struct box_temp *t = box_temp_find(b, name);

	return t ? t->celsius : NAN;
}

static struct box_temp *box_temp_slot(struct box *b, const char *name)
{
	struct box_readings *r = &b->readings;
	struct box_temp *t = NULL;

	for (int i = 0; i < r->ntemps && !t; i++)
		if (strcmp(r->temps[i].name, name) == 0)
			t = &r->temps[i];
	if (!t) {
		if (r->ntemps >= BOX_TEMPS_MAX)
			return NULL;
		t = &r->temps[r->ntemps++];
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->updated_ns = 0;
	}
	return t;
}

void box_temp_set(struct box *b, const char *name, double celsius, int64_t now_ns)
{
	struct box_temp *t = box_temp_slot(b, name);

	if (!t)
		return;
	t->off = false;
	t->celsius = isfinite(celsius) ? celsius : NAN;
	if (isfinite(celsius))
		t->updated_ns = now_ns;
}

void box_temp_set_off(struct box *b, const char *name)
{
	struct box_temp *t = box_temp_slot(b, name);

	if (!t)
		return;
	t->off = true;
	t->celsius = NAN;
}

void box_hooks_set(struct box *b, const struct box_hooks *h)
{
	b->hooks = *h;
}

void box_ready_hold(struct box *b)
{
	b->ready_holds++;
}

void box_ready_release(struct box *b)
{
	if (b->ready_holds > 0)
		b->ready_holds--;
	if (b->ready_holds == 0 && b->hooks.ready)
		b->hooks.ready(b->hooks.userdata);
}

bool box_ready_held(const struct box *b)
{
	return b->ready_holds > 0;
}

void box_cycle_done(struct box *b, int64_t now_ns)
{
	b->cycle_ns = now_ns;
	if (b->hooks.cycle_done)
		b->hooks.cycle_done(b->hooks.userdata, now_ns);
}

void box_exit(struct box *b, int code)
{
	loop_exit(b->loop, code);
}

int box_status_json(struct box *b, struct json *j)
{
	if (!b->hooks.status_json)
		return -ENOTSUP;
	b->hooks.status_json(b->hooks.userdata, j);
	return 0;
}
