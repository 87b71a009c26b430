#!/usr/bin/env bash
# ensure-deps.sh - install the Debian packages named on the command line that are missing.
set -euo pipefail

missing=()
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "h2box: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO=(sudo -n)
else
	echo "h2box: cannot install packages (not root and no password-less sudo)." >&2
	echo "h2box: run as root:  apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; an old list may not know a package.
if ! "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/tmp/h2box-apt.log 2>&1; then
	"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q >>/tmp/h2box-apt.log 2>&1 || true
	if ! "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >>/tmp/h2box-apt.log 2>&1; then
		tail -n 20 /tmp/h2box-apt.log >&2
		echo "h2box: apt-get install failed for: ${missing[*]} (log: /tmp/h2box-apt.log)" >&2
		exit 1
	fi
fi
