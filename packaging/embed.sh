#!/bin/sh
# embed.sh - turn a text file into a C string constant (the built-in default profile, the
# status page).  '?' is escaped too: "??" followed by one of =(/)'<!>- would be a trigraph in C11.
# usage: embed.sh SYMBOL FILE > out.c
set -eu
sym=$1
file=$2
printf '/* generated from %s by packaging/embed.sh; do not edit */\n' "$file"
printf 'const char %s_name[] = "%s";\n' "$sym" "$file"
printf 'const char %s[] =\n' "$sym"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$file"
printf ';\n'
