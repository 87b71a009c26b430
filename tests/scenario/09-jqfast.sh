#!/usr/bin/env bash
# 09-jqfast.sh - build/tools/jqfast (the `jq` every scenario uses) prints byte for byte what the
# real jq prints, with the same exit status: every scalar path and every `| length` of real
# `h2box --json` documents from the sim daemon, plus hand-written edge cases.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { not_ok "the real jq is installed (TEST_PKGS)"; finish; exit 1; }
JQFAST=$BUILD/tools/jqfast
[ -x "$JQFAST" ] || { not_ok "$JQFAST is built"; finish; exit 1; }

# same DOC ARGS...: jqfast and jq agree on stdout, stderr and exit status for DOC on stdin
same() {
	local doc=$1 fo fe="" jo je=""
	shift
	printf '%s' "$doc" >"$TESTDIR/in"
	fo=$("$JQFAST" "$@" <"$TESTDIR/in" 2>"$TESTDIR/fe"; echo "rc=$?")
	jo=$(command jq "$@" <"$TESTDIR/in" 2>"$TESTDIR/je"; echo "rc=$?")
	[ -s "$TESTDIR/fe" ] && fe=$(<"$TESTDIR/fe")
	[ -s "$TESTDIR/je" ] && je=$(<"$TESTDIR/je")
	if [ "$fo" == "$jo" ] && [ "$fe" == "$je" ]; then
		ok "jqfast = jq: $*"
	else
		not_ok "jqfast = jq: $*: jqfast [$fo] [$fe], jq [$jo] [$je]"
	fi
}

# same_r DOCFILE FILTER...: `same "$(<DOCFILE)" -r FILTER` for each FILTER, with one real jq run
# for them all: -r (F1), "SEP", (F2), "SEP", ... prints each filter's output (lines, each ending
# in a newline) followed by a SEP line, so splitting at SEP lines gives byte for byte what jq
# prints for each filter alone, and a run with status 0 and nothing on stderr means each alone
# has that too.  If the run fails, jq runs once per filter as in same.
SEP='--jqfast-09-separator--'
same_r() {
	local docf=$1 prog="" f out seg fo fe
	shift
	for f in "$@"; do prog+="($f), \"$SEP\", "; done
	if ! command jq -r "${prog%, }" <"$docf" >"$TESTDIR/jo" 2>"$TESTDIR/je" || [ -s "$TESTDIR/je" ]; then
		for f in "$@"; do same "$(<"$docf")" -r "$f"; done
		return
	fi
	IFS= read -r -d '' out <"$TESTDIR/jo"
	for f in "$@"; do
		seg=${out%%"$SEP"$'\n'*}
		out=${out#*"$SEP"$'\n'}
		fo=$("$JQFAST" -r "$f" <"$docf" 2>"$TESTDIR/fe"; echo "rc=$?")
		fe=""
		[ -s "$TESTDIR/fe" ] && fe=$(<"$TESTDIR/fe")
		if [ "$fo" == "${seg}rc=0" ] && [ -z "$fe" ]; then
			ok "jqfast = jq: -r $f"
		else
			not_ok "jqfast = jq: -r $f: jqfast [$fo] [$fe], jq [${seg}rc=0] []"
		fi
	done
}

start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 60s
h2 fan set 40 --for 1m >/dev/null

# every scalar as a filter jqfast answers (.key, [N]; other keys as .["key"], which goes to jq)
# and every array/object with `| length`
PATHS='def f: map(if type == "number" then "[\(.)]"
	elif test("^[A-Za-z_][A-Za-z0-9_]*$") then ".\(.)" else ".[\(tojson)]" end) | join("");
	(paths(scalars) | f), (paths(type == "array" or type == "object") | f + " | length")'
for verb in "status" "fan status" "power status" "alarms" "watts" "ib link" "history" \
	"budget" "sim status" "ping" "help" "no-such-command"; do
	# shellcheck disable=SC2086 # a verb is words
	doc=$(h2 --json $verb 2>/dev/null)
	[ -n "$doc" ] || { not_ok "--json $verb gives a document"; continue; }
	printf '%s' "$doc" >"$TESTDIR/doc"
	mapfile -t filters < <(command jq -r "$PATHS" <"$TESTDIR/doc")
	same_r "$TESTDIR/doc" "${filters[@]}"
	same "$doc" .ok
	same "$doc" -r '.no_such_key'
	same "$doc" -r '.no_such_key.deeper[3]'
done

# the fast path really answers the common case (a jqfast that always ran jq would pass above)
STATS=$TESTDIR/jqfast-stats
doc=$(h2 --json status)
H2BOX_JQFAST_STATS=$STATS "$JQFAST" -r .ok <<<"$doc" >/dev/null
H2BOX_JQFAST_STATS=$STATS "$JQFAST" -r '.ok | length' <<<"$doc" >/dev/null
H2BOX_JQFAST_STATS=$STATS "$JQFAST" -r 'select(.ok)' <<<"$doc" >/dev/null
if [ "$(cat "$STATS")" == $'fast .ok\nfallback .ok | length\nfallback select(.ok)' ]; then
	ok "jqfast answers .ok itself and hands length of a boolean and select() to jq"
else
	not_ok "jqfast stats: $(tr '\n' ';' <"$STATS")"
fi

# numbers: shortest round trip without exponent; jq's exponent forms come from jq
for n in 0 -0 1 -1 0.1 2.50 1e-05 0.0001 0.00012 1e+20 1e15 1e16 1e17 123456789012 \
	12345678901234567890 9007199254740993 100000000000000000000 0.30000000000000004 \
	-1234.5e-2 1.5e3 1E2 5e-324 1e308 1e400 -1e400 3.14159265358979323846 00 01 -; do
	same "{\"n\":$n}" -r .n
	same "{\"n\":$n}" -r '.n | length'
done
# strings: escapes, UTF-8, \u escapes and surrogate pairs; refused or odd ones go to jq
for s in '"plain"' '""' '"tab\there \"quoted\" back\\slash \/ \b\f\r\n"' '"caf\u00e9 \u20ac"' \
	'"\ud83d\ude00 grin"' '"é ü 日本"' '"lone \ud800 high"' '"lone \udc00 low"' '"nul \u0000 x"' \
	$'"raw\x01control"' $'"bad \xff utf8"' $'"overlong \xc0\xaf"' '"\uD83D\uDE00"' '"bad \q escape"'; do
	same "{\"s\":$s}" -r .s
	same "{\"s\":$s}" .s
	same "{\"s\":$s}" -r '.s | length'
done
# literals, missing keys, indexes, types, malformed and multiple inputs
for c in '{"a":true}|.a' '{"a":false}|.a' '{"a":null}|.a' '{"a":null}|.a | length' \
	'{"a":null}|.a.b[2].c' '{}|.a.b' '{"a":{}}|.a.b' '{"a":[]}|.a[0]' '{"a":[1,2]}|.a[2]' \
	'{"a":[1,2]}|.a[1]' '{"a":[1,[2,{"b":"x"}]]}|.a[1][1].b' '[1,[2,3]]|.[1][0]' \
	'[1,[2,3]]|.[1] | length' '{"a":[1,2]}|.a | length' '{"a":{"x":1,"y":2}}|.a | length' \
	'{"a":{"x":1}}|.a' '{"a":[1]}|.a' '{"a":1}|.a.b' '{"a":"s"}|.a[0]' '{"a":[1]}|.a.b' \
	'{"a":{"b":1}}|.a[0]' '{"a":true}|.a | length' '{"a":1,"a":2}|.a' '{"a":1}{"a":2}|.a' \
	'{"a":1} {"a":2}|.a' '{"a":1|.a' '|.a' '   |.a' '{"a":1} x|.a' 'nan|.a' '[1,]|.[0]' \
	'{"a":1,}|.a' "{'a':1}|.a" '{"a":1}|.a|length' '{"a":1}|.a  |  length' '{"a":1}|.' \
	'{"a":1}|.a[-1]' '{"a":[5]}|.a[-1]' '{"a":1}|.["a"]' '{"a b":1}|.["a b"]' '{"a":1}|.a?' \
	'{"a":1}|.a // 2' '{"a":1}|.a | tostring' '{"a":1}|..a' '{"a":1}|.a.' '{"_x9":1}|._x9' \
	'{"a":{"b":{"c":{"d":[[[0]]]}}}}|.a.b.c.d[0][0][0]' '{"a":[]}|.a' '{"a":[ ]}|.a' \
	'{"a":{}}|.a' '{"a":[{}]}|.a[0]' '{"a":[1]}|.a.[0]' '{"a":1,"b":"x"}|.a, .b' \
	'{"a":1,"b":"x"}|.a,.b,.a' '{"a":[1,[2]]}|.a[0], .a[1] | length' '{"a":1}|.a, .b.c[0]' \
	'{"a":{"b":1}}|.b, .a' '{"a":{"b":1}}|.a.b, .a' '{"a":1}|.a,' '{"a":1}|, .a' \
	'{"a":"s"}|.a, .a[0]' '{"a":1}|.a, .a | length'; do
	same "${c%%|*}" -r "${c#*|}"
done
same '{"a":1}' -r .a extra-arg
same '{"a":1}' -c .a
same '{"a":"x"}' -e .a
same '{"a":null}' -e .a
same '{"a":1}' -r --arg x y .a
same '{"a":1}' -n 1
same '{"a":1}' -rn 1
same '{"a":1}'
# deep nesting beyond jqfast's bound, and 17 MiB (beyond its buffer): jq answers
deep=$(printf '%.0s[' $(seq 300))1$(printf '%.0s]' $(seq 300))
same "$deep" -r '.[0]'
big=$(head -c $((17 << 20)) /dev/zero | tr '\0' ' ')
printf '%s{"a":42}' "$big" >"$TESTDIR/big.json"
if [ "$("$JQFAST" -r .a <"$TESTDIR/big.json")" == 42 ]; then
	ok "jqfast: 17 MiB of input goes whole to jq"
else
	not_ok "jqfast: 17 MiB of input goes whole to jq"
fi
rm -f "$TESTDIR/big.json"

finish
