#!/bin/bash
# `npiperouter check` accepts every example config shipped in etc/: with
# XDG_RUNTIME_DIR set, and in a plain shell without it, as root (where
# ${XDG_RUNTIME_DIR} stands for /run) and as another user (a private
# /tmp/npiperouter-UID, made 0700 for it; refused when someone else made
# it first).
. "$(dirname "$0")/lib.sh"
need setpriv

[[ -n ${NPR_ETC_DIR:-} && -d $NPR_ETC_DIR ]] || fail "NPR_ETC_DIR must name etc/ (got '${NPR_ETC_DIR:-}')"
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
# Examples may use ${XDG_RUNTIME_DIR} and ~ in their paths.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$T}
export HOME=${HOME:-$T}
# A uid of this test alone, so its /tmp/npiperouter-UID is no one else's.
uid=$((3100000 + $$ % 100000))
private=/tmp/npiperouter-$uid
CLEANUPS+=("rm -rf -- '$private'")
rm -rf -- "$private"

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

	out=$(env -u XDG_RUNTIME_DIR "$NPIPEROUTER" check -c "$f" 2>&1) ||
		fail "check -c $f as root without XDG_RUNTIME_DIR failed:
$out"
	# A socket it listens on (": PATH (mode"), or an exposed route's
	# connect ("-> PATH").
	[[ $out == *": /run/"* || $out == *"-> /run/"* ]] ||
		fail "as root without XDG_RUNTIME_DIR, \${XDG_RUNTIME_DIR} is not /run:
$out"

	out=$(env -u XDG_RUNTIME_DIR HOME="$T" setpriv --reuid="$uid" \
		--regid="$uid" --clear-groups "$NPIPEROUTER" check -c "$f" 2>&1) ||
		fail "check -c $f as uid $uid without XDG_RUNTIME_DIR failed:
$out"
	[[ $out == *": $private/"* || $out == *"-> $private/"* ]] ||
		fail "as uid $uid without XDG_RUNTIME_DIR, \${XDG_RUNTIME_DIR} is not $private:
$out"
	[[ $(stat -c '%u %a %F' "$private") == "$uid 700 directory" ]] ||
		fail "$private is $(stat -c '%u %a %F' "$private")"
	log "$f: checks without XDG_RUNTIME_DIR, as root and as uid $uid"
done

# Someone else's /tmp/npiperouter-UID (here root's), or a link: refused.
rm -rf -- "$private"
mkdir -m 700 "$private"
st=0
out=$(env -u XDG_RUNTIME_DIR HOME="$T" setpriv --reuid="$uid" --regid="$uid" \
	--clear-groups "$NPIPEROUTER" check -c "${files[0]}" 2>&1) || st=$?
((st == 1)) || fail "check with root's $private: exit $st: $out"
[[ $out == *"XDG_RUNTIME_DIR is not set and $private is someone else's: it must be a folder of uid $uid with mode 0700"* ]] ||
	fail "check with root's $private said: $out"
rmdir "$private"
mkdir -m 700 "$T/elsewhere"
chown "$uid:$uid" "$T/elsewhere"
ln -s "$T/elsewhere" "$private"
st=0
out=$(env -u XDG_RUNTIME_DIR HOME="$T" setpriv --reuid="$uid" --regid="$uid" \
	--clear-groups "$NPIPEROUTER" check -c "${files[0]}" 2>&1) || st=$?
((st == 1)) || fail "check with a link at $private: exit $st: $out"
[[ $out == *"$private is a symbolic link"* ]] || fail "check with a link said: $out"
[[ -z $(ls -A "$T/elsewhere") ]] || fail "something was made through the link"
rm -f "$private"
log "someone else's or a linked $private is refused"
log "ok"
