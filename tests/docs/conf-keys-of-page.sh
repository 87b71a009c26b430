#!/usr/bin/env bash
# conf-keys-of-page.sh - the keys a profile manual documents: "SECTION<TAB>KEY" lines, sorted.
#
# usage: tests/docs/conf-keys-of-page.sh docs/h2box.conf.5
# A documented key is an ".It Ic KEY" item under an ".Ss [kind]" or ".Ss [kind name]" heading
# (h2box.conf.5's layout); a named section prints as "kind NAME" like tests/tools/conf-keys.
set -euo pipefail
awk '
	/^\.S[sh] / {
		section = ""
		if ($1 == ".Ss" && $2 ~ /^\[/) {
			line = $0
			sub(/^\.Ss \[/, "", line)
			sub(/\].*$/, "", line)
			n = split(line, w, " ")
			section = n > 1 ? w[1] " NAME" : w[1]
		}
		next
	}
	section != "" && /^\.It Ic / { print section "\t" $3 }
' "$1" | sort -u
