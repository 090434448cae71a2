#!/bin/bash
# `npiperouter check` accepts every example config shipped in etc/.
. "$(dirname "$0")/lib.sh"

[[ -n ${NPR_ETC_DIR:-} && -d $NPR_ETC_DIR ]] || fail "NPR_ETC_DIR must name etc/ (got '${NPR_ETC_DIR:-}')"
# Examples may use ${XDG_RUNTIME_DIR} and ~ in their paths.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$T}
export HOME=${HOME:-$T}

shopt -s nullglob
files=("$NPR_ETC_DIR"/*.conf)
((${#files[@]} > 0)) || fail "no *.conf in $NPR_ETC_DIR"
for f in "${files[@]}"; do
	if ! out=$("$NPIPEROUTER" check -c "$f" 2>&1); then
		fail "check -c $f failed:
$out"
	fi
	[[ -n $out ]] || fail "check -c $f printed no route summary"
	log "$f: $(printf '%s\n' "$out" | wc -l) line(s)"
done
log "ok"
