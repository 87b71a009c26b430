#!/usr/bin/env bash
# 55-status-page.sh - the status page on the simulated box: GET / is one self-contained page, a
# headless Chromium runs its script and shows what `h2box --json status` says (power state,
# watts, temperatures, fan duty, alarms), its charts hold every known point of /api/history
# (validated with jq, the same document as `h2box --json history`), the screenshot is a real
# picture, and a failed NIC sensor is shown unknown, never 0.
. "$(dirname "$0")/lib.sh"

for prog in chromium-headless-shell curl jq python3; do
	command -v "$prog" >/dev/null || { not_ok "$prog is installed (make deps-test)"; finish; exit 1; }
done

PROFILE=$TESTDIR/page.conf
cp "$ROOT/profiles/sim-sfx.conf" "$PROFILE"
printf '\n[metrics]\nlisten = 127.0.0.1:0\n' >>"$PROFILE"

http_port() { sed -n 's/.*http: listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$DAEMON_LOG" | tail -n 1; }
get() { curl -sS --max-time 10 "http://127.0.0.1:$PORT$1"; }

# browse NAME: the page in headless Chromium: NAME.html (the DOM after its script ran) and
# NAME.png.  Virtual time lets the script's first round finish (the fetches hold it) without
# waiting for a wall-clock poll.
browse() {
	local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1400
		--user-data-dir="$TESTDIR/chromium" --virtual-time-budget=3000)
	HOME=$TESTDIR timeout 120 chromium-headless-shell "${flags[@]}" --dump-dom \
		"http://127.0.0.1:$PORT/" >"$TESTDIR/$1.html" 2>>"$TESTDIR/chromium.log" &&
		HOME=$TESTDIR timeout 120 chromium-headless-shell "${flags[@]}" \
			--screenshot="$TESTDIR/$1.png" "http://127.0.0.1:$PORT/" >>"$TESTDIR/chromium.log" 2>&1
}

# dom_read NAME: what the DOM dumped as NAME.html shows, once, into NAME.tsv (WHAT<TAB>ARG<TAB>VALUE
# lines): "key K" the text of data-key K; "alarms" the alarm ids listed, sorted; "points S" the
# points drawn for chart series S (polyline vertices and lone dots); "known S" the series'
# data-known; "rounds" how many refreshes the script finished
dom_read() {
	python3 - "$TESTDIR/$1.html" >"$TESTDIR/$1.tsv" <<'PY'
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.keys, self.stack, self.alarms, self.points, self.known = {}, [], [], {}, {}
        self.series, self.rounds = None, ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.rounds = a.get("data-rounds", "")
        if "data-key" in a:
            self.keys[a["data-key"]] = ""
        self.stack.append((tag, a.get("data-key")))
        if tag == "li" and a.get("data-alarm"):
            self.alarms.append(a["data-alarm"])
        if tag == "g" and "data-series" in a:
            self.series = a["data-series"]
            self.points.setdefault(self.series, 0)
            self.known[self.series] = a.get("data-known")
        if tag == "polyline" and self.series:
            self.points[self.series] += len(a.get("points", "").split())
        if tag == "circle" and self.series:
            self.points[self.series] += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.stack:
            t, _ = self.stack.pop()
            if t == "g":
                self.series = None

    def handle_data(self, data):
        for _, key in self.stack:
            if key:
                self.keys[key] += data

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
for k, v in p.keys.items():
    print(f"key\t{k}\t{' '.join(v.split())}")
print(f"alarms\t\t{' '.join(sorted(p.alarms))}")
for s, n in p.points.items():
    print(f"points\t{s}\t{n}\nknown\t{s}\t{p.known[s]}")
print(f"rounds\t\t{p.rounds}")
PY
}

# dom NAME WHAT [ARG]: one value of NAME.tsv ("<missing>" when the page has none)
dom() {
	awk -F '\t' -v w="$2" -v a="${3:-}" '$1 == w && $2 == a { print $3; found = 1 }
		END { if (!found) print "<missing>" }' "$TESTDIR/$1.tsv"
}

# colours FILE.png: the number of distinct colours in the top 600 rows of an 8-bit RGB(A) PNG
# (zlib and the five row filters; a blank or broken picture has one or none)
colours() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    print(0); sys.exit()
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        bpp = {2: 3, 6: 4}.get(ctype)
        if depth != 8 or not bpp:
            print(0); sys.exit()
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride, prev, seen, i = zlib.decompress(idat), w * bpp, None, set(), 0
for _ in range(min(h, 600)):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    prev = prev or bytearray(stride)
    if f == 2:
        line = bytearray((u + v) & 255 for u, v in zip(line, prev))
    for x in range(stride if f in (1, 3, 4) else 0):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    seen.update(bytes(line[x:x + bpp]) for x in range(0, stride, bpp))
    prev = line
print(len(seen))
PY
}

start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
PORT=$(http_port)
check "h2boxd logs the port it listens on" test -n "$PORT"
h2 power on >/dev/null
advance 1h
h2 sim speed 0 >/dev/null # paused (it started so): status and history hold still while we look

# --- /api/history: the last hour, the same document as the client's ---
H=$(get /api/history)
hj() { jq -r "$1" <<<"$H"; }
# hcheck FILTER: the history document passes jq -e FILTER
hcheck() { jq -e "$1" <<<"$H" >/dev/null; }
check "/api/history is JSON with ok first" hcheck 'keys_unsorted[0] == "ok" and .ok' 
expect_eq "an hour of box time fills the ring: 360 points of 10 s" \
	"$(hj '"\(.count) \(.capacity) \(.period_s)"')" "360 360 10"
expect_eq "every series holds count points (temps by input name)" \
	"$(hj '[.time, .age_s, .watts, .fan_duty_pct, .fan_duty_actual_pct, .ib_rx_gbps, .ib_tx_gbps, .temps_c.nic, .temps_c.cpu] | map(length) | unique | tostring')" "[360]"
expect_eq "oldest first, 10 s apart, the newest now" \
	"$(hj '[.age_s[0], .age_s[-1], ([range(1; .count) as $i | .age_s[$i - 1] - .age_s[$i]] | unique[])] | tostring')" "[3590,0,10]"
expect_eq "times are ISO 8601, increasing" \
	"$(hj '(.time | all(test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"))) and (.time == (.time | sort))')" true
expect_eq "the box was on: every watts point known" "$(hj '[.watts[] | select(type == "number")] | length')" 360
expect_near "the newest watts point is the status reading" "$(hj '.watts[-1]')" "$(jget .readings.watts status)" 0.01
check "GET /api/history = h2box --json history" bash -c \
	"diff <(curl -sS http://127.0.0.1:$PORT/api/history | jq -S .) <('$H2BOX' -s '$SOCK' --json history | jq -S .)"

# --- GET /: one self-contained document ---
get / >"$TESTDIR/page.src"
check "GET / is served as HTML" bash -c \
	"curl -sS -o /dev/null -D - http://127.0.0.1:$PORT/ | grep -qi '^Content-Type: text/html'"
check "the page loads nothing from elsewhere (no src/href, no URL but the SVG namespace)" bash -c \
	"! grep -qiE '(src|href)=|@import|url\\(' '$TESTDIR/page.src' && [ \"\$(grep -oE 'https?://[^\"]*' '$TESTDIR/page.src' | sort -u)\" = 'http://www.w3.org/2000/svg' ]"

# --- the page in a browser, against h2box --json status ---
check "headless Chromium loads the page and takes a screenshot" browse normal
dom_read normal
S=$(h2 --json status)
sj() { jq -r "$1" <<<"$S"; }
fmt() { jq -r "$1" <<<"$S" | awk -v d="$2" '$1 == "null" { print "\342\200\224"; next } { printf "%.*f\n", d, $1 }'; }
expect_eq "the script ran a round without error" "$(dom normal rounds),$(dom normal key page.error)" "1,"
expect_eq "page: power state" "$(dom normal key readings.power_state)" "$(sj .readings.power_state)"
expect_eq "page: watts" "$(dom normal key readings.watts)" "$(fmt .readings.watts 1)"
expect_eq "page: nic temperature" "$(dom normal key readings.nic_temp_c)" "$(fmt .readings.nic_temp_c 1)"
expect_eq "page: cpu temperature" "$(dom normal key readings.cpu_temp_c)" "$(fmt .readings.cpu_temp_c 1)"
expect_eq "page: fan duty commanded" "$(dom normal key readings.fan_duty_pct)" "$(fmt .readings.fan_duty_pct 1)"
expect_eq "page: fan duty held" "$(dom normal key readings.fan_duty_actual_pct)" "$(fmt .readings.fan_duty_actual_pct 1)"
expect_eq "page: fan rpm" "$(dom normal key readings.fan_rpm)" "$(fmt .readings.fan_rpm 0)"
expect_eq "page: budget state" "$(dom normal key readings.budget_state)" "$(sj .readings.budget_state)"
expect_eq "page: energy in kWh" "$(dom normal key watts.energy_total_j)" \
	"$(jq -r '.watts.energy_total_j / 3600000' <<<"$S" | awk '{ printf "%.3f\n", $1 }')"
expect_eq "page: IB link state" "$(dom normal key ib.ports.0.state)" "$(sj '.ib.ports[0].state')"
expect_eq "page: IB rx rate" "$(dom normal key readings.ib_rx_gbps)" "$(fmt .readings.ib_rx_gbps 2)"
expect_eq "page: no alarm" "$(dom normal key alarms.length),$(dom normal alarms)" "$(sj '.alarms | length'),"
for s in watts temps_c.nic temps_c.cpu fan_duty_pct fan_duty_actual_pct ib_rx_gbps ib_tx_gbps; do
	expect_eq "chart $s draws every known point of /api/history" "$(dom normal points "$s")" \
		"$(hj "[.$s[] | select(type == \"number\")] | length")"
done
expect_cmp "screenshot: a PNG of some size" "$(stat -c %s "$TESTDIR/normal.png" 2>/dev/null || echo 0)" gt 20000
expect_cmp "screenshot: not blank (distinct colours)" "$(colours "$TESTDIR/normal.png")" ge 64

# --- a failed sensor: unknown on the page and in the history, never 0 ---
h2 sim fault sensor-nic on >/dev/null
advance 30s
S=$(h2 --json status)
H=$(get /api/history)
expect_eq "status: the nic temperature is null" "$(sj .readings.nic_temp_c)" null
expect_eq "history: the last 3 nic points are null, not 0" "$(hj '.temps_c.nic[-3:] | tostring')" "[null,null,null]"
check "page with the fault" browse fault
dom_read fault
expect_eq "page: the nic temperature is shown unknown" "$(dom fault key readings.nic_temp_c)" "—"
expect_eq "page: the cpu temperature still shown" "$(dom fault key readings.cpu_temp_c)" "$(fmt .readings.cpu_temp_c 1)"
expect_eq "page: the sensor alarm listed as in status" "$(dom fault alarms)" "$(sj '[.alarms[].id] | sort | join(" ")')"
expect_eq "page: alarm count" "$(dom fault key alarms.length)" "$(sj '.alarms | length')"
expect_eq "page: fan at failsafe as status says" "$(dom fault key readings.fan_duty_pct)" "$(fmt .readings.fan_duty_pct 1)"
expect_eq "chart: the nic series leaves the null points out (a gap, no drop to 0)" \
	"$(dom fault points temps_c.nic),$(dom fault known temps_c.nic)" \
	"$(hj '[.temps_c.nic[] | select(type == "number")] | length | "\(.),\(.)"')"
check "history: no nic point at 0 degrees" hcheck '[.temps_c.nic[] | select(. == 0)] | length == 0' 

finish
