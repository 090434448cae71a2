#!/bin/bash
# The man pages: no warning from groff, mandoc or man, and no drift: every
# command of the CLI is in npiperouter(1), every setting the config loader
# and the installed adapters accept is in npiperouter.conf(5).
#
# Environment (set by ctest): NPR_SOURCE_DIR, the top of the source tree.
set -euo pipefail

NAME=man.lint
fail() { printf '%s: FAIL: %s\n' "$NAME" "$*" >&2; exit 1; }
need() {
	command -v "$1" >/dev/null ||
		fail "$1 is not installed (Debian: apt-get install $2)"
}
[[ -n ${NPR_SOURCE_DIR:-} ]] || fail "NPR_SOURCE_DIR is not set (run this through ctest)"
need groff groff-base
need mandoc mandoc
need man man-db
PAGES=("$NPR_SOURCE_DIR/docs/npiperouter.1" "$NPR_SOURCE_DIR/docs/npiperouter.conf.5")

for p in "${PAGES[@]}"; do
	[[ -f $p ]] || fail "$p is missing"
	out=$(groff -man -Tutf8 -ww -z "$p" 2>&1) || fail "groff failed on $p: $out"
	[[ -z $out ]] || fail "groff warns about ${p##*/}:"$'\n'"$out"
	out=$(mandoc -Tlint -W warning "$p" 2>&1) || fail "mandoc -Tlint on ${p##*/}:"$'\n'"$out"
	[[ -z $out ]] || fail "mandoc warns about ${p##*/}:"$'\n'"$out"
	# man-db's own pipeline (preconv, tbl, nroff) as a user would see it.
	out=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null) ||
		fail "man -l ${p##*/} failed: $out"
	[[ -z $out ]] || fail "man -l warns about ${p##*/}:"$'\n'"$out"
done

# has PAGE WORD: WORD is a bold item (.B/.BR/.TP line) of PAGE.
has() { grep -qE "^\.(B|BR|BI) $2( |\$)" "$1"; }

# Commands: the ones main.c's usage lists, and doctor.
mapfile -t cmds < <(sed -n '/usage_text\[\]/,/^;/p' "$NPR_SOURCE_DIR/router/main.c" |
	sed -nE 's/^"  ([a-z]+) .*/\1/p')
((${#cmds[@]} >= 6)) || fail "found only ${#cmds[@]} commands in router/main.c's usage: ${cmds[*]}"
for c in "${cmds[@]}" doctor; do
	has "${PAGES[0]}" "$c" || fail "npiperouter.1 does not document the command \"$c\""
done

# Settings: every `keys[] = { ... }` list of the loader and of the adapters
# that get installed (not the example and test plugins).
files=("$NPR_SOURCE_DIR"/router/config*.c)
for d in "$NPR_SOURCE_DIR"/plugins/*/; do
	case $d in */example/ | */test/) continue ;; esac
	files+=("$d"*.c)
done
mapfile -t keys < <(awk '/keys\[\] = \{/,/\};/' "${files[@]}" |
	grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
((${#keys[@]} >= 15)) || fail "found only ${#keys[@]} settings in the sources: ${keys[*]}"
for k in "${keys[@]}"; do
	has "${PAGES[1]}" "$k" || fail "npiperouter.conf.5 does not document the setting \"$k\""
done
echo "$NAME: ok (${#cmds[@]} commands + doctor, ${#keys[@]} settings)"
