#!/bin/bash
# Messages that used to mislead, each answered the way it should be:
# options before the command, one socket written two ways, a config that
# cannot be read, a control socket path too long for sun_path, a reload
# during the drain after a stop, and a start racing another one.
. "$(dirname "$0")/lib.sh"
need flock python3

# expect STATUS WANT-TEXT CMD...: CMD exits STATUS and says WANT-TEXT
# (fixed string) on stdout or stderr.
expect() {
	local want_st=$1 want=$2 st=0
	shift 2
	"$@" >"$T/out" 2>&1 || st=$?
	((st == want_st)) || fail "'${*#"$NPIPEROUTER"}' exited $st, want $want_st: $(cat "$T/out")"
	grep -qF -- "$want" "$T/out" || fail "'$*' said: $(cat "$T/out")"
}

start_backend echo echo "$T/backend.sock"
socat_conf a
R=$NPIPEROUTER

# --- global options go before the command as well as after it ---
expect 0 "1 route(s), OK" "$R" -c "$T/r.conf" check
expect 0 "1 route(s), OK" "$R" --config="$T/r.conf" -v check
expect 0 "1 route(s), OK" "$R" check -c "$T/r.conf"
expect 3 "is not running for $T/r.conf" "$R" -c "$T/r.conf" status
expect 3 '"running":false' "$R" --json -c "$T/r.conf" status
expect 3 "is not running for $T/r.conf" "$R" -c "$T/r.conf" -- status
expect 3 "is not running for $T/r.conf" env POSIXLY_CORRECT=1 "$R" status -c "$T/r.conf"
expect 3 "is not running for $T/r.conf" env POSIXLY_CORRECT=1 "$R" -c "$T/r.conf" status
expect 0 "Usage: npiperouter status" "$R" -h status
expect 2 'unexpected argument "extra"' "$R" -c "$T/r.conf" check extra
expect 2 "no command given" "$R" -c "$T/r.conf"

# --- one socket, however its path is spelled ---
mkdir "$T/x"
two_routes() { # PATH-A PATH-B
	printf 'relay = { path = "%s"; };\nroutes = (\n' "$SOCAT"
	printf '  { name = "a"; listen = { path = "%s"; }; pipe = "p"; },\n' "$1"
	printf '  { name = "b"; listen = { path = "%s"; }; pipe = "p"; }\n);\n' "$2"
}
for spelling in "$T/x//a.sock" "$T//x/./a.sock" "$T/x/a.sock/" "$T/./x/a.sock/."; do
	two_routes "$T/x/a.sock" "$spelling" >"$T/two.conf"
	expect 1 "listen.path \"$T/x/a.sock\" is already used by route \"a\"" \
		"$R" check -c "$T/two.conf"
	# run refuses it before listening, instead of "in use by another
	# process" (itself).
	expect 1 "is already used by route \"a\"" "$R" run -c "$T/two.conf"
	[[ ! -e $T/x/a.sock ]] || fail "run with '$spelling' left a socket"
done
two_routes "$T/x/a.sock" "$T/x/y/../b.sock" >"$T/two.conf"
expect 1 "listen.path \"$T/x/y/../b.sock\" has a \"..\" component" \
	"$R" check -c "$T/two.conf"
# status and check show the one spelling.
two_routes "$T/x//a.sock/" "$T/x/b.sock" >"$T/two.conf"
expect 0 "$T/x/a.sock " "$R" check -c "$T/two.conf"

# --- a Windows path where a Linux one goes (relay.path on WSL) ---
for w in 'C:/Tools/nprelay.exe' 'C:\\Tools\\nprelay.exe'; do
	printf 'relay = { path = "%s"; };\nroutes = ( { name = "a"; listen = { path = "%s"; }; pipe = "p"; } );\n' \
		"$w" "$T/w.sock" >"$T/win.conf"
	expect 1 "is a Windows path; write the path WSL sees" "$R" check -c "$T/win.conf"
	grep -qF "wslpath -u" "$T/out" || fail "no hint for '$w': $(cat "$T/out")"
done

# --- check warns of a relay that is not there (a typo in relay.path) ---
printf 'relay = { path = "%s"; };\nroutes = ( { name = "a"; listen = { path = "%s"; }; pipe = "p"; },\n { name = "b"; listen = { path = "%s"; }; pipe = "p"; } );\n' \
	"$T/no-such-relay.exe" "$T/a.sock" "$T/b.sock" >"$T/norelay.conf"
expect 0 "warning: relay.path $T/no-such-relay.exe: No such file or directory (route \"a\")" \
	"$R" check -c "$T/norelay.conf"
[[ $(grep -c "warning: relay.path" "$T/out") == 1 ]] || fail "check warned not once: $(cat "$T/out")"
"$R" check -c "$T/r.conf" >"$T/out" 2>&1 || fail "check of r.conf: $(cat "$T/out")"
! grep -q "warning" "$T/out" || fail "check of a config whose relay is there warned: $(cat "$T/out")"

# --- a failed start shows its own log lines, not an earlier start's ---
printf 'relay = { path = "%s"; };\nroutes = ( { name = "a"; listen = { path = "%s"; }; pipe = "p"; } );\n' \
	"$SOCAT" "$T/no-such-folder/a.sock" >"$T/nodir.conf"
# (its own runtime folder: the lock tests below want the only lock file)
mkdir -m 700 "$T/rt-nodir"
for i in 1 2; do
	expect 1 "npiperouter failed to start" \
		env XDG_RUNTIME_DIR="$T/rt-nodir" "$R" start -c "$T/nodir.conf"
	[[ $(grep -c "cannot open the folder of $T/no-such-folder/a.sock" "$T/out") == 1 ]] ||
		fail "start $i showed not one failure:"$'\n'"$(cat "$T/out")"
done

# --- a config that cannot be read is a config error, not bad usage ---
expect 1 "/proc/self/mem: cannot read: Input/output error" \
	"$R" check -c /proc/self/mem

# --- the control socket's path must fit sun_path, not be cut to fit ---
long=$T/rt/$(printf 'd%.0s' $(seq 1 90))
mkdir -p -m 700 "$long"
for cmd in run status reload stop; do
	expect 1 "is 1" env XDG_RUNTIME_DIR="$long" "$R" "$cmd" -c "$T/r.conf"
	grep -qF "the limit is 107" "$T/out" || fail "$cmd said: $(cat "$T/out")"
done
[[ -z $(find "$long" -name '*.ctl') ]] || fail "a control socket was made under $long"

# --- reload during the drain after stop ---
socat_conf a
printf 'shutdown_timeout = 60;\n' >>"$T/r.conf"
start_router "$T/r.conf" "$T/a.sock"
bg held "$NPTEST_PEER" client "$T/a.sock" --timeout 60 --send-random 1K \
	--hold-until "$T/release" --out "$T/held.got"
held=$BG_PID
wait_until 10 "the held session's echo" test -s "$T/held.got"
bg stopper "$R" stop -c "$T/r.conf"
stopper=$BG_PID
wait_log 10 "stopping: 1 session(s) may finish"
expect 4 "not reloaded: npiperouter is stopping" "$R" reload -c "$T/r.conf"
! grep -qF "could not listen" "$T/out" || fail "reload said: $(cat "$T/out")"
touch "$T/release"
wait_exit "$held" 20
((EXIT_STATUS == 0)) || fail "the held session failed: $(cat "$T/held.err")"
wait_exit "$stopper" 20
((EXIT_STATUS == 0)) || fail "stop failed: $(cat "$T/stopper.out" "$T/stopper.err")"
wait_exit "$ROUTER_PID" 20

# --- racing starts: never "pid 0" ---
# A start that holds the lock but has not written its pid yet: the next
# start waits for it and then says "starting".
"$R" start -c "$T/r.conf" >"$T/first.out" 2>&1 || fail "start: $(cat "$T/first.out")"
"$R" stop -c "$T/r.conf" >/dev/null 2>&1 || fail "stop failed"
lock=$(echo "$T"/rt/npiperouter/*.lock)
[[ -f $lock ]] || fail "no lock file in $T/rt/npiperouter"
# A stopped instance leaves no pid behind: a start racing the next one
# could read it (between that one's lock and its emptying the file).
[[ ! -s $lock ]] || fail "after stop the lock file still says '$(cat "$lock")'"
: >"$lock"
lock_held holder "$lock" 60
expect 0 "npiperouter is starting for $T/r.conf (by another start)" \
	"$R" start -c "$T/r.conf"
kill "$BG_PID"
wait_exit "$BG_PID" 10
flock -n "$lock" true || fail "$lock is still held"
# start --env against a lock holder that never answers (a hung or
# half-started instance): it says what it waits for, and once the holder
# is gone it starts an instance itself and prints its lines.
lock_held holder "$lock" 60
holder=$BG_PID
bg envstart "$R" start --env --shell sh -c "$T/r.conf"
envstart=$BG_PID
wait_until 10 "start --env to say it waits" \
	grep -q "waiting up to 30s for the instance for $T/r.conf to answer" "$T/envstart.err"
kill "$holder"
wait_exit "$holder" 10
wait_exit "$envstart" 5
((EXIT_STATUS == 0)) || fail "start --env exited $EXIT_STATUS: $(cat "$T/envstart.err")"
grep -q "started (pid [0-9]*)" "$T/envstart.err" ||
	fail "start --env did not start an instance once the holder was gone: $(cat "$T/envstart.err")"
"$R" stop -c "$T/r.conf" >/dev/null 2>&1 || fail "stop failed"
# The same against a hung instance: its control socket takes the
# connection and never answers. start --env still speaks up in seconds.
ctl=${lock%.lock}.ctl
lock_held holder "$lock" 60
holder=$BG_PID
hung_socket hung "$ctl" 8
hung=$BG_PID
bg envhung "$R" start --env --shell sh -c "$T/r.conf"
envhung=$BG_PID
wait_until 10 "start --env to say it waits for a hung instance" \
	grep -q "waiting up to 30s for the instance for $T/r.conf to answer" "$T/envhung.err"
# The hung socket goes first, while the lock is still held: the start
# --env that then finds the lock free replaces the dead socket file with
# its own instance's (removing the file here could remove that one).
kill "$hung"
wait_exit "$hung" 10
kill "$holder"
wait_exit "$holder" 10
wait_exit "$envhung" 10
((EXIT_STATUS == 0)) || fail "start --env (hung) exited $EXIT_STATUS: $(cat "$T/envhung.err")"
"$R" stop -c "$T/r.conf" >/dev/null 2>&1 || fail "stop failed"
# An instance that ends twice before it answers (here a shared lock,
# which start --env takes for one gone): the message names the log,
# which `status` cannot show with nothing running.
lock_held looker "$lock" 60 -s
looker=$BG_PID
expect 1 "ended twice before it answered; its log may say why: ${lock%.lock}.log" \
	"$R" start --env --shell sh -c "$T/r.conf"
kill "$looker"
wait_exit "$looker" 10
# A pid left in the lock file by an instance that is gone, read while
# someone merely looks at the lock (stop, start --env waiting): not an
# owner to name. Nor is a number beyond pid_t, which would wrap to -1
# (kill(-1, 0) succeeds).
for stale in "$(sh -c 'echo $$')" 4294967295; do
	echo "$stale" >"$lock"
	lock_held looker "$lock" 1 -s
	"$R" start -c "$T/r.conf" >"$T/dead.out" 2>&1 || fail "start: $(cat "$T/dead.out")"
	grep -q "already running" "$T/dead.out" &&
		fail "start named pid $stale, no instance: $(cat "$T/dead.out")"
	wait_exit "$BG_PID" 10
	"$R" stop -c "$T/r.conf" >/dev/null 2>&1 || true
done
# Eight at once: one starts, the others name its pid.
DAEMON_CONF=$T/r.conf
pids=()
for i in 1 2 3 4 5 6 7 8; do
	bg "start$i" "$R" start -c "$T/r.conf"
	pids[i]=$BG_PID
done
for i in 1 2 3 4 5 6 7 8; do
	wait_exit "${pids[i]}" 20
	((EXIT_STATUS == 0)) || fail "start $i exited $EXIT_STATUS: $(cat "$T/start$i.out" "$T/start$i.err")"
done
daemon=$(status_json "$T/r.conf" | jq -r .pid)
cat "$T"/start[1-8].out >"$T/starts"
[[ $(grep -c "^npiperouter started (pid $daemon)" "$T/starts") == 1 ]] ||
	fail "not one start said it started pid $daemon: $(cat "$T/starts")"
[[ $(grep -c "already running for $T/r.conf (pid $daemon)" "$T/starts") == 7 ]] ||
	fail "the other starts did not name pid $daemon: $(cat "$T/starts")"
"$R" stop -c "$T/r.conf" >/dev/null 2>&1 || fail "stop failed"
log "ok"
