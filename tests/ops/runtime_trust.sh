#!/bin/bash
# The runtime folder and the control socket are trusted only when they are
# ours (hostile review item 7):
#   1. root with another user's XDG_RUNTIME_DIR (`su` keeps it) uses
#      /run/npiperouter instead, and creates nothing in that folder;
#   2. a user whose XDG_RUNTIME_DIR is group-writable is refused;
#   3. `status` asks no control socket served by another uid, prints no
#      answer longer than 1 MiB, and escapes control bytes in what it
#      prints;
#   4. a failed `start` does not follow a link planted at the log's path
#      when it shows the log's tail.
. "$(dirname "$0")/lib.sh"
need setpriv getent python3 socat
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"
chmod 755 "$T"

start_backend echo echo "$T/backend.sock"
socat_conf s
# A name of its own, for the files this test may leave in /run/npiperouter.
CONF=$T/rtrust$$.conf
mv "$T/r.conf" "$CONF"
RUN_FILES=/run/npiperouter/rtrust$$-
run_cleanup() {
	local rc=$?
	set +e
	rm -f "$RUN_FILES"*
	# ops_cleanup reads the test's status from $?.
	(exit "$rc")
	ops_cleanup
}
trap run_cleanup EXIT

# --- 1. root, another user's XDG_RUNTIME_DIR ---
mkdir -m 700 "$T/xdg"
chown "$nobody" "$T/xdg"
XDG_RUNTIME_DIR=$T/xdg start_router "$CONF" "$T/s.sock"
wait_until 10 "a control socket in /run/npiperouter" eval "compgen -G '$RUN_FILES*.ctl' >/dev/null"
[[ -z $(ls -A "$T/xdg") ]] || fail "root created files in nobody's folder: $(ls -la "$T/xdg")"
XDG_RUNTIME_DIR=$T/xdg "$NPIPEROUTER" status -c "$CONF" >"$T/status1" ||
	fail "status with nobody's XDG_RUNTIME_DIR: $(cat "$T/status1")"
grep -q "^s  *raw" "$T/status1" || fail "status: $(cat "$T/status1")"
kill "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10
log "root ignored nobody's XDG_RUNTIME_DIR and used /run/npiperouter"

# --- 2. a group-writable XDG_RUNTIME_DIR ---
mkdir -m 770 "$T/gw"
chown "$nobody:$nogroup" "$T/gw"
chmod 770 "$T/gw"
st=0
XDG_RUNTIME_DIR=$T/gw setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups \
	"$NPIPEROUTER" status -c "$CONF" >"$T/gw.out" 2>&1 || st=$?
((st == 1)) || fail "status with a group-writable XDG_RUNTIME_DIR: exit $st: $(cat "$T/gw.out")"
grep -qF "XDG_RUNTIME_DIR is $T/gw, which group or others can write to (mode 0770)" "$T/gw.out" ||
	fail "status said: $(cat "$T/gw.out")"
[[ ! -e $T/gw/npiperouter ]] || fail "a folder was made in the group-writable one"
log "a group-writable XDG_RUNTIME_DIR is refused"

# --- 3. fake control sockets in our own runtime folder ---
# The control socket's path, as a real instance makes it.
start_router "$CONF" "$T/s.sock"
# The route listens before the control socket is made: wait for it too.
wait_until 10 "a control socket" eval "compgen -G '$XDG_RUNTIME_DIR/npiperouter/*.ctl' >/dev/null"
ctl=$(compgen -G "$XDG_RUNTIME_DIR/npiperouter/*.ctl") || fail "no control socket"
kill "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10
[[ ! -e $ctl ]] || fail "the router left $ctl"

# fake_ctl UID KIND: a server at $ctl that listens as UID and answers
# once: "escapes" (terminal sequences) or "big" (2 MiB).
cat >"$T/fake.py" <<'PY'
import os, socket, sys
path, uid, gid, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
l = socket.socket(socket.AF_UNIX)
l.bind(path)
# The socket's owner for SO_PEERCRED is who calls listen().
os.setgid(gid); os.setuid(uid)
l.listen(4)
print("listening", flush=True)
c, _ = l.accept()
c.recv(100)
if kind == "escapes":
    c.sendall(b"ok\nFAKE \x1b]0;owned-title\x07\x1b[31mred\x1b[0m\n")
else:
    c.sendall(b"ok\n" + b"x" * (2 * 1024 * 1024) + b"\n")
c.close()
PY
fake_n=0
fake_ctl() {
	fake_n=$((fake_n + 1))
	rm -f "$ctl"
	bg "fake$fake_n" python3 "$T/fake.py" "$ctl" "$1" "$2" "$3"
	wait_until 10 "the fake control socket" grep -q listening "$T/fake$fake_n.$BG_OUT"
}

fake_ctl "$nobody" "$nogroup" escapes
st=0
"$NPIPEROUTER" status -c "$CONF" >"$T/stranger.out" 2>&1 || st=$?
((st == 1)) || fail "status against nobody's socket: exit $st: $(cat -v "$T/stranger.out")"
grep -q "FAKE" "$T/stranger.out" && fail "status printed nobody's answer: $(cat -v "$T/stranger.out")"
grep -q "is served by uid $nobody (pid [0-9]*), not by uid 0 or root" "$T/stranger.out" ||
	fail "status said: $(cat -v "$T/stranger.out")"
log "status does not ask a socket served by uid $nobody"

fake_ctl 0 0 escapes
"$NPIPEROUTER" status -c "$CONF" >"$T/esc.out" 2>&1 || fail "status: $(cat -v "$T/esc.out")"
grep -qaP '[\x00-\x08\x0b-\x1f\x7f]' "$T/esc.out" &&
	fail "status printed raw control bytes: $(cat -v "$T/esc.out")"
grep -qF 'FAKE \x1b]0;owned-title\x07\x1b[31mred\x1b[0m' "$T/esc.out" ||
	fail "status printed: $(cat -v "$T/esc.out")"
log "status escapes control bytes of the answer"

fake_ctl 0 0 big
st=0
"$NPIPEROUTER" status -c "$CONF" >"$T/big.out" 2>"$T/big.err" || st=$?
((st == 1)) || fail "status with a 2 MiB answer: exit $st, $(wc -c <"$T/big.out") bytes printed"
[[ ! -s $T/big.out ]] || fail "status printed $(wc -c <"$T/big.out") bytes of a 2 MiB answer"
grep -q "the answer is longer than 1048576 bytes" "$T/big.err" || fail "status said: $(head -c 300 "$T/big.err")"
log "status refuses an answer over 1 MiB"
rm -f "$ctl"

# --- 4. a link at the log's path when `start` fails ---
echo "SECRET-CONTENT" >"$T/secret"
ln -s "$T/secret" "${ctl%.ctl}.log"
st=0
"$NPIPEROUTER" start -c "$CONF" >"$T/start.out" 2>&1 || st=$?
((st != 0)) || fail "start succeeded with a link at its log's path"
grep -q SECRET-CONTENT "$T/start.out" && fail "start showed the link's target: $(cat "$T/start.out")"
log "a failed start does not follow a link to show the log"
log "ok"
