/* sim-svc.h - the `h2box sim ...` verbs: operator controls of the simulated box. */
#ifndef H2BOX_SIM_SVC_H
#define H2BOX_SIM_SVC_H

struct box;
struct json;
struct sim_svc;

int sim_svc_new(struct box *b, struct sim_svc **out);
void sim_svc_free(struct sim_svc *s);
void sim_svc_status_json(struct sim_svc *s, struct json *j);

#endif
