#!/bin/bash
# The socket's folder is looked up once, never through a symlink that a
# second user could have made, and kept: everything after (clearing a
# leftover, bind, removal at stop) happens in that folder. Here the second
# user owns a folder ABOVE the socket's folder and swaps the socket's
# folder for a symlink to a root-only folder, which holds a root file
# named like the socket:
# 1. a route under their symlink is refused: no socket appears in the
#    root-only folder; a symlink of root's own in the path is followed;
# 2. their folder renamed away after bind and a symlink put in its place:
#    the router still removes its own socket at stop, and nothing else;
# 3. the folder and the symlink exchanged as fast as they can while the
#    router stops (a lookup by name between "is it ours" and unlink would
#    lose this race): root's file survives every round.
. "$(dirname "$0")/lib.sh"
need socat setpriv getent
# The second user runs python; a python under root's home (pyenv) is not
# theirs to run.
PY=/usr/bin/python3
[[ -x $PY ]] || fail "no $PY (Debian: apt-get install python3)"
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"
as_nobody() { setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups "$@"; }

start_backend echo echo "$T/backend.sock"
# Stands for /etc or /root/.ssh.
mkdir -m 700 "$T/rootonly"
echo precious >"$T/rootonly/a.sock"
chmod 600 "$T/rootonly/a.sock"
mkdir -m 755 "$T/atk"
chown "$nobody:$nogroup" "$T/atk"

conf() { socat_conf r -l "$1"; } # SOCKET
root_file_intact() {
	[[ -f $T/rootonly/a.sock && ! -L $T/rootonly/a.sock &&
		$(cat "$T/rootonly/a.sock") == precious ]] ||
		fail "$1: root's $T/rootonly/a.sock was removed or changed"
}
_exited_or_planted() { ! alive "$ROUTER_PID" || [[ -e $T/rootonly/b.sock ]]; }

# 1. Bind through the second user's symlink.
as_nobody ln -s "$T/rootonly" "$T/atk/sub"
conf "$T/atk/sub/b.sock"
start_router "$T/r.conf"
wait_until 15 "the router to exit or bind" _exited_or_planted
[[ ! -e $T/rootonly/b.sock ]] ||
	fail "the router made its socket in the root-only folder through the second user's symlink"
wait_exit "$ROUTER_PID" 15
((EXIT_STATUS == 1)) || fail "route under a symlink: router exited with status $EXIT_STATUS, want 1"
log_has "route \"r\": cannot open the folder of $T/atk/sub/b.sock: $T/atk/sub is a symlink owned by uid $nobody" ||
	fail "no message naming the second user's symlink: $(cat "$T/router.err")"
as_nobody rm "$T/atk/sub"

# A symlink root made (as /var/run -> /run) is followed.
mkdir -m 755 "$T/real"
ln -s real "$T/rootlink"
conf "$T/rootlink/c.sock"
: >"$T/router.err"
start_router "$T/r.conf" "$T/real/c.sock"
echo through-root-link >"$T/in"
client 10 "$T/rootlink/c.sock" --send "$T/in" --out "$T/out" || fail "client failed (status $?)"
same_file "$T/in" "$T/out"
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 15
[[ ! -e $T/real/c.sock ]] || fail "the router left $T/real/c.sock behind"

# 2. The folder moved away after bind, a symlink in its place.
as_nobody mkdir "$T/atk/sub"
conf "$T/atk/sub/a.sock"
start_router "$T/r.conf" "$T/atk/sub/a.sock"
as_nobody mv "$T/atk/sub" "$T/atk/moved"
as_nobody ln -s "$T/rootonly" "$T/atk/sub"
kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 15
root_file_intact "folder moved"
[[ ! -e $T/atk/moved/a.sock ]] || fail "the router left its socket in the moved folder"
as_nobody rm "$T/atk/sub"
as_nobody mv "$T/atk/moved" "$T/atk/sub"

# 3. The race: exchange the folder and the symlink while the router stops.
cat >"$T/swap.py" <<'PY'
import ctypes, os, sys, time
d, target, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if not os.path.islink(d + '/lnk'):
    os.symlink(target, d + '/lnk')
a, b = (d + '/sub').encode(), (d + '/lnk').encode()
end, n = time.time() + secs, 0
while time.time() < end:
    if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0:
        n += 1
print(n)
PY
ROUNDS=60
swaps=0
for round in $(seq 1 "$ROUNDS"); do
	# Start from the real folder: a route under a symlink is refused.
	if [[ -L $T/atk/sub ]]; then
		as_nobody "$PY" -c "import ctypes; ctypes.CDLL(None).renameat2(-100, b'$T/atk/sub', -100, b'$T/atk/lnk', 2)"
	fi
	: >"$T/router.err"
	start_router "$T/r.conf" "$T/atk/sub/a.sock"
	bg swap as_nobody "$PY" "$T/swap.py" "$T/atk" "$T/rootonly" 0.5
	swap_pid=$BG_PID
	sleep 0.2
	kill -TERM "$ROUTER_PID"
	wait_exit "$ROUTER_PID" 15
	wait_exit "$swap_pid" 15
	n=$(cat "$T/swap.out")
	[[ $n =~ ^[0-9]+$ ]] || fail "the swapper failed: $(cat "$T/swap.err")"
	swaps=$((swaps + n))
	root_file_intact "round $round"
done
((swaps > 0)) || fail "the folder was never swapped: the race was not run"
log "ok ($swaps swaps in $ROUNDS rounds)"
