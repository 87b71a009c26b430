/* mqtt-client.c - libmosquitto driven by sd-event: non-blocking connect, back-off, no thread. */
#include "supervisor/runtime/mqtt-client.h"

#include "supervisor/runtime/loop.h"
#include "hw/dlib.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

/* mosquitto_loop_misc (keep-alive pings, ping timeouts) runs this often while a socket is open */
#define MQTT_CLIENT_MISC_USEC (1000ULL * 1000ULL)
/* a broker that takes the TCP connection but never answers CONNECT is given up after this */
#define MQTT_CLIENT_CONNECT_TIMEOUT_USEC (10ULL * 1000ULL * 1000ULL)

/*
 * libmosquitto (and libssl/libcrypto under it) is loaded by the first mqtt_client_new(), only
 * when a profile sets [mqtt] host: a daemon without it maps none of it (issue #16).
 */
static struct {
	__typeof__(mosquitto_lib_init) *lib_init;
	__typeof__(mosquitto_new) *new;
	__typeof__(mosquitto_destroy) *destroy;
	__typeof__(mosquitto_strerror) *strerror;
	__typeof__(mosquitto_connack_string) *connack_string;
	__typeof__(mosquitto_disconnect) *disconnect;
	__typeof__(mosquitto_want_write) *want_write;
	__typeof__(mosquitto_socket) *socket;
	__typeof__(mosquitto_loop_read) *loop_read;
	__typeof__(mosquitto_loop_write) *loop_write;
	__typeof__(mosquitto_loop_misc) *loop_misc;
	__typeof__(mosquitto_connect_async) *connect_async;
	__typeof__(mosquitto_int_option) *int_option;
	__typeof__(mosquitto_username_pw_set) *username_pw_set;
	__typeof__(mosquitto_will_set) *will_set;
	__typeof__(mosquitto_tls_set) *tls_set;
	__typeof__(mosquitto_connect_callback_set) *connect_callback_set;
	__typeof__(mosquitto_message_callback_set) *message_callback_set;
	__typeof__(mosquitto_publish) *publish;
	__typeof__(mosquitto_subscribe) *subscribe;
} mqtt_mosq;

#define MQTT_MOSQ_SYM(fn) { "mosquitto_" #fn, (void **)&mqtt_mosq.fn }
static const struct hw_dlib_sym mqtt_mosq_syms[] = {
	MQTT_MOSQ_SYM(lib_init),
	MQTT_MOSQ_SYM(new),
	MQTT_MOSQ_SYM(destroy),
	MQTT_MOSQ_SYM(strerror),
	MQTT_MOSQ_SYM(connack_string),
	MQTT_MOSQ_SYM(disconnect),
	MQTT_MOSQ_SYM(want_write),
	MQTT_MOSQ_SYM(socket),
	MQTT_MOSQ_SYM(loop_read),
	MQTT_MOSQ_SYM(loop_write),
	MQTT_MOSQ_SYM(loop_misc),
	MQTT_MOSQ_SYM(connect_async),
	MQTT_MOSQ_SYM(int_option),
	MQTT_MOSQ_SYM(username_pw_set),
	MQTT_MOSQ_SYM(will_set),
	MQTT_MOSQ_SYM(tls_set),
	MQTT_MOSQ_SYM(connect_callback_set),
	MQTT_MOSQ_SYM(message_callback_set),
	MQTT_MOSQ_SYM(publish),
	MQTT_MOSQ_SYM(subscribe),
};
_Static_assert(sizeof(mqtt_mosq_syms) / sizeof(mqtt_mosq_syms[0]) ==
		       sizeof(mqtt_mosq) / sizeof(mqtt_mosq.new),
	       "every libmosquitto function pointer has its name");

static struct hw_dlib mqtt_mosq_lib =
	HW_DLIB_INIT("libmosquitto.so.1", "libmosquitto1", mqtt_mosq_syms);

struct mqtt_client {
	struct loop *loop;
	struct mosquitto *mosq;
	struct mqtt_client_handlers h;
	char *host;
	char *will_topic;
	int port, keepalive_s, will_qos;
	sd_event_source *io;    /* the socket, while one is open */
	sd_event_source *misc;  /* mosquitto_loop_misc, while a socket is open */
	sd_event_source *retry; /* the next connect attempt */
	int64_t backoff_ns;     /* the last wait; 0 after a successful connect */
	uint64_t attempt_usec;  /* when the pending connect started */
	bool connected;         /* CONNACK accepted */
	bool down_logged;       /* "unreachable" said once per outage, not per attempt */
};

int64_t mqtt_client_backoff_next(int64_t prev_ns, int64_t min_ns, int64_t max_ns)
{
	if (prev_ns < min_ns)
		return min_ns;
	if (prev_ns > max_ns / 2)
		return max_ns;
	return prev_ns * 2;
}

static void mqtt_client_schedule(struct mqtt_client *c);

static uint64_t mqtt_client_now_usec(struct mqtt_client *c)
{
	uint64_t now = 0;

	sd_event_now(loop_event(c->loop), CLOCK_MONOTONIC, &now);
	return now;
}

/* The socket is gone (refused, lost, keep-alive timeout): close our side and retry later. */
static void mqtt_client_drop(struct mqtt_client *c, int rc)
{
	const char *why = rc == MOSQ_ERR_ERRNO ? strerror(errno) : mqtt_mosq.strerror(rc);

	c->io = sd_event_source_disable_unref(c->io);
	c->misc = sd_event_source_disable_unref(c->misc);
	if (c->connected)
		log_warnx("mqtt: connection to %s:%d lost (%s); reconnecting with back-off",
			  c->host, c->port, why);
	else if (!c->down_logged)
		log_warnx("mqtt: cannot connect to %s:%d (%s); retrying with back-off", c->host,
			  c->port, why);
	c->down_logged = true;
	c->connected = false;
	mqtt_mosq.disconnect(c->mosq); /* closes the socket; an error here means none was open */
	mqtt_client_schedule(c);
}

static void mqtt_client_update_events(struct mqtt_client *c)
{
	if (c->io)
		sd_event_source_set_io_events(c->io, mqtt_mosq.want_write(c->mosq)
							     ? EPOLLIN | EPOLLOUT
							     : EPOLLIN);
}

/* After every library call: an error or a closed socket ends this connection. */
static void mqtt_client_after(struct mqtt_client *c, int rc)
{
	if (rc != MOSQ_ERR_SUCCESS || mqtt_mosq.socket(c->mosq) < 0)
		mqtt_client_drop(c, rc != MOSQ_ERR_SUCCESS ? rc : MOSQ_ERR_NO_CONN);
	else
		mqtt_client_update_events(c);
}

static int mqtt_client_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct mqtt_client *c = userdata;
	int rc = MOSQ_ERR_SUCCESS;

	if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rc = mqtt_mosq.loop_read(c->mosq, 1);
	/*
	 * A refused or reset socket stays readable and in error: the library's TLS handshake
	 * does not always report it, and the loop would spin on it.  What could be read is read.
	 */
	if (rc == MOSQ_ERR_SUCCESS && (revents & (EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || !err)
			err = ECONNRESET;
		errno = err;
		mqtt_client_drop(c, MOSQ_ERR_ERRNO);
		return 0;
	}
	if (rc == MOSQ_ERR_SUCCESS && (revents & EPOLLOUT) && mqtt_mosq.socket(c->mosq) >= 0)
		rc = mqtt_mosq.loop_write(c->mosq, 1);
	mqtt_client_after(c, rc);
	return 0;
}

static int mqtt_client_on_misc(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct mqtt_client *c = userdata;

	sd_event_source_set_time(s, usec + MQTT_CLIENT_MISC_USEC);
	sd_event_source_set_enabled(s, SD_EVENT_ON);
	if (!c->connected && usec - c->attempt_usec > MQTT_CLIENT_CONNECT_TIMEOUT_USEC) {
		errno = ETIMEDOUT;
		mqtt_client_drop(c, MOSQ_ERR_ERRNO);
		return 0;
	}
	mqtt_client_after(c, mqtt_mosq.loop_misc(c->mosq));
	return 0;
}

static void mqtt_client_attempt(struct mqtt_client *c)
{
	sd_event *e = loop_event(c->loop);
	int rc, fd;

	/* a numeric host: getaddrinfo answers without a resolver; the connect does not wait */
	c->attempt_usec = mqtt_client_now_usec(c);
	rc = mqtt_mosq.connect_async(c->mosq, c->host, c->port, c->keepalive_s);
	fd = mqtt_mosq.socket(c->mosq);
	if (rc != MOSQ_ERR_SUCCESS || fd < 0) {
		mqtt_client_drop(c, rc != MOSQ_ERR_SUCCESS ? rc : MOSQ_ERR_NO_CONN);
		return;
	}
	if (sd_event_add_io(e, &c->io, fd, EPOLLIN | EPOLLOUT, mqtt_client_on_io, c) < 0 ||
	    sd_event_add_time(e, &c->misc, CLOCK_MONOTONIC,
			      mqtt_client_now_usec(c) + MQTT_CLIENT_MISC_USEC, 0,
			      mqtt_client_on_misc, c) < 0) {
		mqtt_client_drop(c, MOSQ_ERR_NOMEM);
		return;
	}
	sd_event_source_set_enabled(c->misc, SD_EVENT_ON);
	mqtt_client_update_events(c);
}

static int mqtt_client_on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	mqtt_client_attempt(userdata);
	return 0;
}

static void mqtt_client_schedule(struct mqtt_client *c)
{
	uint64_t at;

	c->backoff_ns = mqtt_client_backoff_next(c->backoff_ns, MQTT_CLIENT_BACKOFF_MIN_NS,
						 MQTT_CLIENT_BACKOFF_MAX_NS);
	at = mqtt_client_now_usec(c) + (uint64_t)(c->backoff_ns / 1000);
	if (c->retry) {
		sd_event_source_set_time(c->retry, at);
		sd_event_source_set_enabled(c->retry, SD_EVENT_ONESHOT);
	} else if (sd_event_add_time(loop_event(c->loop), &c->retry, CLOCK_MONOTONIC, at, 0,
				     mqtt_client_on_retry, c) < 0) {
		log_warnx("mqtt: cannot arm the reconnect timer; MQTT stays down");
	}
}

/* ---- library callbacks: called from inside mosquitto_loop_read/write, on the loop ---- */

static void mqtt_client_on_connect(struct mosquitto *m, void *userdata, int rc)
{
	struct mqtt_client *c = userdata;

	if (rc != 0) {
		/* the library fails the read that brought the refusal: mqtt_client_after drops */
		log_warnx("mqtt: broker %s:%d refused the connection: %s", c->host, c->port,
			  mqtt_mosq.connack_string(rc));
		return;
	}
	log_notice("mqtt: connected to %s:%d", c->host, c->port);
	c->connected = true;
	c->down_logged = false;
	c->backoff_ns = 0;
	if (c->h.connected)
		c->h.connected(c, c->h.userdata);
}

static void mqtt_client_on_message(struct mosquitto *m, void *userdata,
				   const struct mosquitto_message *msg)
{
	struct mqtt_client *c = userdata;

	if (c->h.message && msg->topic && msg->payloadlen >= 0)
		c->h.message(c, msg->topic, msg->payload ? msg->payload : "",
			     (size_t)msg->payloadlen, c->h.userdata);
}

/* ---- the owner's side ---- */

static int mqtt_client_errno(int rc)
{
	switch (rc) {
	case MOSQ_ERR_SUCCESS:
		return 0;
	case MOSQ_ERR_NOMEM:
		return -ENOMEM;
	case MOSQ_ERR_NO_CONN:
	case MOSQ_ERR_CONN_LOST:
		return -ENOTCONN;
	case MOSQ_ERR_PAYLOAD_SIZE:
		return -EMSGSIZE;
	case MOSQ_ERR_ERRNO:
		return errno ? -errno : -EIO;
	default:
		return -EINVAL;
	}
}

int mqtt_client_new(struct loop *l, const struct mqtt_client_options *o,
		    const struct mqtt_client_handlers *h, struct mqtt_client **out)
{
	static bool lib_ready;
	struct mqtt_client *c;
	int rc = MOSQ_ERR_SUCCESS, r;

	if (!lib_ready) {
		r = hw_dlib_load(&mqtt_mosq_lib);
		if (r < 0)
			return r;
		mqtt_mosq.lib_init();
		lib_ready = true;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = l;
	c->h = *h;
	c->port = o->port;
	c->keepalive_s = o->keepalive_s;
	c->will_qos = o->will_qos;
	c->host = strdup(o->host);
	c->will_topic = o->will_topic ? strdup(o->will_topic) : NULL;
	c->mosq = mqtt_mosq.new(o->client_id, true, c);
	if (!c->host || (o->will_topic && !c->will_topic) || !c->mosq) {
		rc = MOSQ_ERR_NOMEM;
		goto fail;
	}
	mqtt_mosq.int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	if (o->username)
		rc = mqtt_mosq.username_pw_set(c->mosq, o->username, o->password);
	if (rc == MOSQ_ERR_SUCCESS && o->will_topic)
		rc = mqtt_mosq.will_set(c->mosq, o->will_topic, (int)strlen(o->will_payload),
					o->will_payload, o->will_qos, o->will_retain);
	if (rc == MOSQ_ERR_SUCCESS && o->tls)
		rc = mqtt_mosq.tls_set(c->mosq, o->ca_file, o->ca_file ? NULL : "/etc/ssl/certs",
				       o->cert_file, o->key_file, NULL);
	if (rc != MOSQ_ERR_SUCCESS)
		goto fail;
	mqtt_mosq.connect_callback_set(c->mosq, mqtt_client_on_connect);
	mqtt_mosq.message_callback_set(c->mosq, mqtt_client_on_message);
	/* the first attempt from the loop, not from inside the caller's start */
	c->backoff_ns = 0;
	if (sd_event_add_time(loop_event(l), &c->retry, CLOCK_MONOTONIC, 0, 0,
			      mqtt_client_on_retry, c) < 0) {
		rc = MOSQ_ERR_NOMEM;
		goto fail;
	}
	*out = c;
	return 0;

fail:
	if (c->mosq)
		mqtt_mosq.destroy(c->mosq);
	free(c->will_topic);
	free(c->host);
	free(c);
	return mqtt_client_errno(rc);
}

void mqtt_client_free(struct mqtt_client *c, const char *offline_payload)
{
	if (!c)
		return;
	/* a clean stop says so itself: the broker sends the will only for an unclean end */
	if (c->connected && c->will_topic && offline_payload)
		mqtt_mosq.publish(c->mosq, NULL, c->will_topic, (int)strlen(offline_payload),
				  offline_payload, c->will_qos, true);
	if (c->connected)
		mqtt_mosq.disconnect(c->mosq);
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->misc);
	sd_event_source_disable_unref(c->retry);
	mqtt_mosq.destroy(c->mosq);
	free(c->will_topic);
	free(c->host);
	free(c);
}

bool mqtt_client_connected(const struct mqtt_client *c)
{
	return c->connected;
}

bool mqtt_client_backlogged(const struct mqtt_client *c)
{
	return mqtt_mosq.want_write(c->mosq);
}

int mqtt_client_publish(struct mqtt_client *c, const char *topic, const char *payload,
			size_t len, int qos, bool retain)
{
	int rc;

	if (!c->connected)
		return -ENOTCONN;
	rc = mqtt_mosq.publish(c->mosq, NULL, topic, (int)len, payload, qos, retain);
	mqtt_client_update_events(c);
	return mqtt_client_errno(rc);
}

int mqtt_client_subscribe(struct mqtt_client *c, const char *topic, int qos)
{
	int rc;

	if (!c->connected)
		return -ENOTCONN;
	rc = mqtt_mosq.subscribe(c->mosq, NULL, topic, qos);
	mqtt_client_update_events(c);
	return mqtt_client_errno(rc);
}
