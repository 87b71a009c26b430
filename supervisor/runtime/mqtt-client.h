/* mqtt-client.h - a thin libmosquitto client run by the daemon's event loop, never blocking it. */
#ifndef H2BOX_MQTT_CLIENT_H
#define H2BOX_MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct mqtt_client;

/*
 * The only file that includes mosquitto.h is mqtt-client.c.  No library thread: the socket is
 * an sd-event io source and mosquitto_loop_read/write/misc run from the loop.  The connect is
 * non-blocking (host must be an address: nothing waits on a resolver), so a broker that is
 * down, slow or unreachable costs the control cycle nothing; lost connections are retried
 * with a bounded exponential back-off (mqtt_client_backoff_next) in real time, and each
 * successful connect calls connected(), where the owner (re)publishes what the broker must
 * hold.  The last will (the owner's "offline") is sent by the broker when the daemon dies.
 */
struct mqtt_client_options {
	const char *host; /* an IPv4 or IPv6 address */
	int port;
	int keepalive_s;
	const char *client_id;
	const char *username; /* NULL: none */
	const char *password; /* NULL: none */
	bool tls;
	const char *ca_file;   /* NULL: the system's CA directory */
	const char *cert_file; /* NULL: no client certificate */
	const char *key_file;
	const char *will_topic; /* NULL: no last will */
	const char *will_payload;
	int will_qos;
	bool will_retain;
};

struct mqtt_client_handlers {
	/* the broker accepted the connection: publish availability, retained configs, state */
	void (*connected)(struct mqtt_client *c, void *userdata);
	/* a message on a subscribed topic; payload is not NUL-terminated */
	void (*message)(struct mqtt_client *c, const char *topic, const char *payload, size_t len,
			void *userdata);
	void *userdata;
};

/* The back-off bounds: the first retry after MIN, doubling up to MAX. */
#define MQTT_CLIENT_BACKOFF_MIN_NS (1000LL * 1000 * 1000)
#define MQTT_CLIENT_BACKOFF_MAX_NS (60LL * 1000 * 1000 * 1000)

/* The wait before the next connect attempt after one that waited prev_ns (0: the first). */
int64_t mqtt_client_backoff_next(int64_t prev_ns, int64_t min_ns, int64_t max_ns);

/* Starts connecting at once (in the background); 0 or -errno for bad options or no memory. */
int mqtt_client_new(struct loop *l, const struct mqtt_client_options *o,
		    const struct mqtt_client_handlers *h, struct mqtt_client **out);
/* Publishes `offline_payload` on the will topic (when connected), disconnects, frees. */
void mqtt_client_free(struct mqtt_client *c, const char *offline_payload);
bool mqtt_client_connected(const struct mqtt_client *c);
/* Output is still queued for the broker (slow broker): a periodic publish may skip a turn. */
bool mqtt_client_backlogged(const struct mqtt_client *c);
/* -ENOTCONN when not connected (nothing queued: the owner republishes on connect). */
int mqtt_client_publish(struct mqtt_client *c, const char *topic, const char *payload,
			size_t len, int qos, bool retain);
int mqtt_client_subscribe(struct mqtt_client *c, const char *topic, int qos);

#endif
