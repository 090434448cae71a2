#!/bin/bash
# A set XDG_RUNTIME_DIR that cannot hold the runtime files (missing, a
# file, a symbolic link, another user's, group-writable): start, run,
# status, env, reload and stop fail with status 1 and one line that
# names the folder, says what is wrong with it and what to do; check
# still accepts the file but warns with the same line; doctor counts it
# as a failure, and its line for a missing route socket does not advise
# "npiperouter start". Nothing is created in or for the folder. As user
# nobody: root ignores a folder not its own (runtime_trust.sh).
. "$(dirname "$0")/lib.sh"
need setpriv getent
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"
chmod 755 "$T"

# The route's socket would be nobody's; it is never made, nor a relay run.
printf 'relay = { path = "/bin/true"; };\nroutes = ( { name = "r"; listen = { path = "%s"; }; pipe = "//./pipe/r"; } );\n' \
	"$T/r.sock" >"$T/r.conf"
chmod 644 "$T/r.conf"

mkdir -m 700 "$T/mine"
chown "$nobody:$nogroup" "$T/mine"
mkdir -m 770 "$T/gw"
chown "$nobody:$nogroup" "$T/gw"
chmod 770 "$T/gw"
mkdir -m 700 "$T/root"
touch "$T/file"
chown "$nobody" "$T/file"
ln -s "$T/mine" "$T/link"

# as_nobody DIR CMD...: npiperouter CMD as nobody with XDG_RUNTIME_DIR=DIR.
as_nobody() {
	local dir=$1
	shift
	XDG_RUNTIME_DIR=$dir timeout 20 setpriv --reuid="$nobody" --regid="$nogroup" \
		--clear-groups "$NPIPEROUTER" "$@" -c "$T/r.conf"
}

# bad_dir DIR WRONG REMEDY: each command says "XDG_RUNTIME_DIR is DIR,
# which WRONG" and REMEDY (fixed strings), and fails; check warns.
bad_dir() {
	local dir=$1 wrong=$2 remedy=$3 c st out
	for c in start run status env reload stop; do
		st=0
		as_nobody "$dir" "$c" >"$T/out" 2>&1 || st=$?
		out=$(cat "$T/out")
		((st == 1)) || fail "$c with XDG_RUNTIME_DIR $dir: exit $st: $out"
		[[ $out == "npiperouter: XDG_RUNTIME_DIR is $dir, which $wrong"* && $out == *"$remedy"* ]] ||
			fail "$c with XDG_RUNTIME_DIR $dir said: $out"
		(($(wc -l <"$T/out") == 1)) || fail "$c said more than one line: $out"
	done
	as_nobody "$dir" check >"$T/check.out" 2>"$T/check.err" ||
		fail "check with XDG_RUNTIME_DIR $dir: $(cat "$T/check.out" "$T/check.err")"
	grep -qF "warning: XDG_RUNTIME_DIR is $dir, which $wrong" "$T/check.err" &&
		grep -qF "$remedy" "$T/check.err" || fail "check with XDG_RUNTIME_DIR $dir warned: $(cat "$T/check.err")"
	grep -q "1 route(s), OK" "$T/check.out" || fail "check: $(cat "$T/check.out")"
	st=0
	as_nobody "$dir" doctor >"$T/doctor.out" 2>&1 || st=$?
	((st == 1)) && grep -qF "FAIL  XDG_RUNTIME_DIR is $dir, which $wrong" "$T/doctor.out" ||
		fail "doctor with XDG_RUNTIME_DIR $dir: exit $st: $(cat "$T/doctor.out")"
	# Its other lines do not send the user to a start that fails on it.
	! grep -q '"npiperouter start"\|systemctl --user start' "$T/doctor.out" ||
		fail "doctor with XDG_RUNTIME_DIR $dir advised a start: $(cat "$T/doctor.out")"
	grep -qF "route \"r\": $T/r.sock does not exist: npiperouter is not running for this config, and cannot start until XDG_RUNTIME_DIR is fixed (above)" "$T/doctor.out" ||
		fail "doctor with XDG_RUNTIME_DIR $dir: $(cat "$T/doctor.out")"
	log "XDG_RUNTIME_DIR $dir: $out"
}

bad_dir "$T/none" "does not exist" "create it with mkdir -m 0700 $T/none, or unset XDG_RUNTIME_DIR"
[[ ! -e $T/none ]] || fail "$T/none was created"
bad_dir "$T/file" "is a file, not a folder" "set it to a folder of yours (mode 0700), or unset it"
bad_dir "$T/link" "is a symbolic link, not a folder" "set it to a folder of yours (mode 0700), or unset it"
bad_dir "$T/root" "belongs to uid 0, not to you (uid $nobody" "set it to a folder of yours (mode 0700), or unset it"
bad_dir "$T/gw" "group or others can write to (mode 0770)" "chmod go-w $T/gw"
made=$(find "$T/gw" "$T/root" "$T/mine" -mindepth 1)
[[ -z $made ]] || fail "files were made: $made"

# A good folder whose npiperouter folder (made 0700 by us) was opened to
# others: start refuses it, so check warns and doctor fails with the
# same line, and doctor does not advise a start.
mkdir -m 700 "$T/sub" "$T/sub/npiperouter"
chmod 755 "$T/sub/npiperouter"
chown -R "$nobody:$nogroup" "$T/sub"
sub_line="$T/sub/npiperouter must be a folder owned by uid $nobody with mode 0700"
st=0
as_nobody "$T/sub" start >"$T/out" 2>&1 || st=$?
((st == 1)) && [[ $(cat "$T/out") == "npiperouter: $sub_line" ]] ||
	fail "start with $T/sub/npiperouter open: exit $st: $(cat "$T/out")"
as_nobody "$T/sub" check >/dev/null 2>"$T/check.err" || fail "check: $(cat "$T/check.err")"
grep -qF "warning: $sub_line" "$T/check.err" ||
	fail "check with $T/sub/npiperouter open warned: $(cat "$T/check.err")"
st=0
as_nobody "$T/sub" doctor >"$T/doctor.out" 2>&1 || st=$?
((st == 1)) && grep -qF "FAIL  $sub_line" "$T/doctor.out" &&
	! grep -q '"npiperouter start"' "$T/doctor.out" ||
	fail "doctor with $T/sub/npiperouter open: exit $st: $(cat "$T/doctor.out")"
log "$T/sub/npiperouter open to others: start, check and doctor say so"

# The same user with a good folder: check says nothing of it, status
# finds nothing running there.
as_nobody "$T/mine" check >/dev/null 2>"$T/check.err" || fail "check with a good folder: $(cat "$T/check.err")"
[[ ! -s $T/check.err ]] || fail "check with a good folder warned: $(cat "$T/check.err")"
st=0
as_nobody "$T/mine" status >"$T/out" 2>&1 || st=$?
((st == 3)) || fail "status with a good folder: exit $st: $(cat "$T/out")"
log "a folder of nobody's with mode 0700: no warning, status 3"
