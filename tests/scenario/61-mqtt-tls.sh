#!/usr/bin/env bash
# 61-mqtt-tls.sh - [mqtt] over TLS to a real mosquitto that wants a user and password: the CA
# checked, the password read from password_file (never shown), a refused login and an unreadable
# password file logged while the box runs on; a listener that wants a client certificate takes
# h2boxd's cert_file/key_file and refuses a box without one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-mqtt.sh"

BROKER_PID=""
B_PID=""

mqtt_cleanup() {
	[ -n "$B_PID" ] && kill -TERM "$B_PID" 2>/dev/null && wait "$B_PID" 2>/dev/null
	[ -n "$BROKER_PID" ] && kill -TERM "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
}
trap 'mqtt_cleanup; cleanup' EXIT

mqtt_require mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd openssl jq python3

# mosquitto started as root drops to its own user: it must read the test's files
chmod 755 "$TESTDIR"
PKI=$TESTDIR/pki
mkdir -m 755 "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 \
	-subj /CN=h2box-test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$PKI/broker.key" -out "$PKI/broker.csr" \
	-subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$PKI/ext"
openssl x509 -req -in "$PKI/broker.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
	-out "$PKI/broker.pem" -days 2 -extfile "$PKI/ext" 2>/dev/null
# the client's certificate, from the same CA
openssl req -newkey rsa:2048 -nodes -keyout "$PKI/client.key" -out "$PKI/client.csr" \
	-subj /CN=h2box-client 2>/dev/null
openssl x509 -req -in "$PKI/client.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
	-out "$PKI/client.pem" -days 2 2>/dev/null
touch "$PKI/users"
mosquitto_passwd -b "$PKI/users" h2box 'c0rrect-h0rse'
printf 'c0rrect-h0rse\n' >"$TESTDIR/password"
printf 'wrong\n' >"$TESTDIR/bad-password"
chmod 644 "$PKI"/*

PORT=$(mqtt_free_port)
CPORT=$(mqtt_free_port)
while [ "$CPORT" = "$PORT" ]; do CPORT=$(mqtt_free_port); done
cat >"$TESTDIR/mosquitto.conf" <<EOF
allow_anonymous false
password_file $PKI/users
persistence false
listener $PORT 127.0.0.1
cafile $PKI/ca.pem
certfile $PKI/broker.pem
keyfile $PKI/broker.key
listener $CPORT 127.0.0.1
cafile $PKI/ca.pem
certfile $PKI/broker.pem
keyfile $PKI/broker.key
require_certificate true
EOF
sub() { mosquitto_sub -h 127.0.0.1 -p "$PORT" --cafile "$PKI/ca.pem" -u h2box -P 'c0rrect-h0rse' "$@"; }
pub() { mosquitto_pub -h 127.0.0.1 -p "$PORT" --cafile "$PKI/ca.pem" -u h2box -P 'c0rrect-h0rse' "$@"; }
mosquitto -c "$TESTDIR/mosquitto.conf" >>"$TESTDIR/mosquitto.log" 2>&1 &
BROKER_PID=$!
if wait_until 10 pub -t h2box-test/probe -m up; then
	ok "mosquitto listens with TLS on 127.0.0.1:$PORT"
else
	not_ok "mosquitto listens with TLS on 127.0.0.1:$PORT"
	sed 's/^/#   /' "$TESTDIR/mosquitto.log"
	finish
	exit 1
fi

# profile NODE PASSWORD_FILE: over TLS, as user h2box
profile() {
	mqtt_profile "$1" "tls = yes" "ca_file = $PKI/ca.pem" "username = h2box" "password_file = $2"
}

start_daemon "$(profile tlsbox "$TESTDIR/password")" --state-dir "$TESTDIR/state-a" || { finish; exit 1; }
if wait_until 15 bash -c "[ \"\$(mosquitto_sub -h 127.0.0.1 -p $PORT --cafile $PKI/ca.pem -u h2box -P c0rrect-h0rse -t h2box/tlsbox/availability -C 1 -W 2)\" = online ]"; then
	ok "over TLS with the password from password_file: online"
else
	not_ok "over TLS with the password from password_file: online"
fi
expect_eq "the discovery configs arrive over TLS" \
	"$(sub -t 'homeassistant/+/tlsbox/+/config' -C 23 -W 10 | wc -l)" 23
check "the password is in no reply" lacks 'c0rrect' h2 --json status
check "nor in the state document" lacks 'c0rrect' sub -t h2box/tlsbox/state -C 1 -W 5

# a wrong password: refused by the broker, logged, retried; the box runs on
run_b() {
	"$H2BOXD" -c "$1" -s "$TESTDIR/b.sock" --sim-speed 0 --state-dir "$TESTDIR/state-b" \
		2>>"$TESTDIR/b.log" &
	B_PID=$!
	wait_until 10 ping_b
}
ping_b() { "$H2BOX" -s "$TESTDIR/b.sock" ping >/dev/null; }
stop_b() { kill -TERM "$B_PID" && wait "$B_PID"; B_PID=""; }
run_b "$(profile badpass "$TESTDIR/bad-password")" || not_ok "box B starts"
if wait_until 15 grep -q "mqtt: broker 127.0.0.1:$PORT refused the connection" "$TESTDIR/b.log"; then
	ok "a wrong password: the refusal is logged"
else
	not_ok "a wrong password: the refusal is logged"
fi
expect_eq "a wrong password: not connected, the box runs on" \
	"$("$H2BOX" -s "$TESTDIR/b.sock" --json status | jq -r '[.mqtt.connected, .power.state] | join(" ")')" \
	"false off"
stop_b

# an unreadable password file: no MQTT, said in status, the box supervised as ever
run_b "$(profile nopass "$TESTDIR/missing-password")" || not_ok "box B starts without its password file"
expect_eq "no password file: status says why MQTT is off" \
	"$("$H2BOX" -s "$TESTDIR/b.sock" --json status | jq -r .mqtt.error)" \
	"cannot read password_file $TESTDIR/missing-password: No such file or directory"
check "no password file: logged" grep -q "mqtt: cannot read password_file" "$TESTDIR/b.log"
check "no password file: the box still powers on" "$H2BOX" -s "$TESTDIR/b.sock" power on
stop_b

# a listener that wants a client certificate: h2boxd's cert_file/key_file get it in
certprofile() { # NODE [KEY = VALUE...]: to the certificate listener, as user h2box
	local node=$1 port=$PORT
	shift
	PORT=$CPORT mqtt_profile "$node" "tls = yes" "ca_file = $PKI/ca.pem" "username = h2box" \
		"password_file = $TESTDIR/password" "$@"
	PORT=$port
}
online_c() { # NODE: its availability on the certificate listener says online
	[ "$(mosquitto_sub -h 127.0.0.1 -p "$CPORT" --cafile "$PKI/ca.pem" --cert "$PKI/client.pem" \
		--key "$PKI/client.key" -u h2box -P c0rrect-h0rse -t "h2box/$1/availability" -C 1 -W 2)" = online ]
}
run_b "$(certprofile certbox "cert_file = $PKI/client.pem" "key_file = $PKI/client.key")" ||
	not_ok "box B starts with a client certificate"
if wait_until 15 online_c certbox; then
	ok "a client certificate (cert_file, key_file): the listener that wants one takes it: online"
else
	not_ok "a client certificate (cert_file, key_file): the listener that wants one takes it: online"
	sed 's/^/#   /' "$TESTDIR/b.log" | tail -n 5
fi
expect_eq "with its client certificate: connected" \
	"$("$H2BOX" -s "$TESTDIR/b.sock" --json status | jq -r .mqtt.connected)" true
stop_b
: >"$TESTDIR/b.log"
run_b "$(certprofile nocert)" || not_ok "box B starts without a client certificate"
if wait_until 15 grep -q "mqtt: .*127.0.0.1:$CPORT" "$TESTDIR/b.log"; then
	ok "no client certificate: the refused handshake is logged"
else
	not_ok "no client certificate: the refused handshake is logged"
	sed 's/^/#   /' "$TESTDIR/b.log" | tail -n 5
fi
grep "mqtt: .*127.0.0.1:$CPORT" "$TESTDIR/b.log" | head -n 1 | sed 's/^/#   logged: /'
expect_eq "no client certificate: not connected, the box runs on (it answers)" \
	"$("$H2BOX" -s "$TESTDIR/b.sock" --json status | jq -r .mqtt.connected)" false
check "no client certificate: the broker saw no certificate" \
	grep -q "peer did not return a certificate" "$TESTDIR/mosquitto.log"
stop_b

finish
