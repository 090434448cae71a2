#!/bin/bash
# nprelay.exe beside the original Go npiperelay.exe (built by the fixture
# npiperelay_go), against the same pipe servers: where they must agree,
# and where nprelay differs on purpose (docs/nprelay.md, "Compatibility
# with npiperelay").  Timings are reported, not asserted.
. "$(dirname "$0")/lib.sh"
need_env NPIPERELAY_EXE -f "the Go npiperelay.exe (fixture npiperelay_go)"
GO=$NPIPERELAY_EXE
NP=$NPRELAY_EXE

server_count() { (($(grep -cx -- "$2" "$T/$1.log") >= $3)); }

# --- the server reads the request and closes without answering ---
# Both end at the broken pipe with stdin still open, status 0.
p=$(pipe_name noanswer)
start_pipesrv noanswer --name "$p" --mode byte --no-echo --close-after 5 \
	--close-now --count 2
i=0
for exe in "$GO" "$NP"; do
	i=$((i + 1))
	start_held "noanswer$i" "$exe" -ei -s -p "$p"
	printf hello >&"$HELD_FD"
	wait_until 20 "the server to close connection $i" \
		server_count noanswer "closed 5" "$i"
	held_exits "noanswer$i" 5
	((EXIT_STATUS == 0)) || fail "$(basename "$exe"): exit status $EXIT_STATUS: $(cat "$T/noanswer$i.err")"
	ok "$(basename "$exe") -ei -s -p, server closes without answering: exits ${MS} ms after the close, status 0"
done

# The same through the router, the README's ssh-agent route.
chain_init
{
	echo 'routes = ('
	ROUTE_EXE=$GO route go "$p" -ei -s -p
	echo ','
	route np "$p" -ei -s -p
	echo ');'
} >"$T/r.conf"
start_pipesrv agent --name "$p" --mode byte --no-echo --close-after 5 \
	--close-now --count 2
start_router "$T/r.conf" "$T/go.sock" "$T/np.sock"
printf '\0\0\0\1\13' >"$T/request"
i=0
for r in go np; do
	i=$((i + 1))
	client 30 "$T/$r.sock" --send "$T/request" --no-shutdown \
		--out "$T/$r.received" >"$T/$r.client" 2>&1 &
	cpid=$!
	BG_PIDS+=("$cpid")
	wait_until 30 "the server to close connection $i" \
		server_count agent "closed 5" "$i"
	t0=$(date +%s%N)
	rc=0
	wait "$cpid" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	((rc == 0)) || fail "router + $r: the client got no EOF (status $rc): $(cat "$T/$r.client")"
	ok "router + $r relay, ssh-agent route: the client got EOF ${ms} ms after the pipe server closed"
done

# --- the server writes 1 MiB and closes at once: no tail lost ---
big=$((1024 * 1024))
pattern "$T/big.want" "$big"
p=$(pipe_name close)
start_pipesrv close --name "$p" --mode byte --send "$big" --close-after 0 \
	--close-now --count 2
i=0
for exe in "$GO" "$NP"; do
	i=$((i + 1))
	start_held "close$i" "$exe" "$p"
	held_exits "close$i" 20
	((EXIT_STATUS == 0)) || fail "$(basename "$exe"): exit status $EXIT_STATUS"
	same_file "$T/close$i.out" "$T/big.want"
	ok "$(basename "$exe"): a server that writes 1 MiB and closes at once: all of it, exit 0 (stdin open)"
done

# --- a zero-byte message without -ep: both keep forwarding stdin ---
p=$(pipe_name zero)
start_pipesrv zero --name "$p" --mode msg --send 16 --send-eof --count 2
i=0
for exe in "$GO" "$NP"; do
	i=$((i + 1))
	start_held "zero$i" "$exe" "$p"
	wait_until 20 "16 bytes from $(basename "$exe")" \
		test -s "$T/zero$i.out"
	sleep 1
	alive "$RELAY_PID" || fail "$(basename "$exe") ended at the zero-byte EOF without -ep"
	release_held
	wait_exit "$RELAY_PID" 10
	((EXIT_STATUS == 0)) || fail "$(basename "$exe"): exit status $EXIT_STATUS"
	[[ $(stat -c %s "$T/zero$i.out") == 16 ]] || fail "$(basename "$exe"): $(stat -c %s "$T/zero$i.out") bytes, want 16"
	ok "$(basename "$exe"): zero-byte message without -ep: runs on until stdin EOF, exit 0"
done

# --- boolean values: Go's strconv.ParseBool spellings ---
# go_run NAME SECONDS STDIN ARGS...: npiperelay.exe bounded; RC its status.
go_run() {
	local name=$1 secs=$2 in=$3
	shift 3
	RC=0
	timeout -k 5 "$secs" wine "$GO" "$@" <"$in" >"$T/$name.out" 2>"$T/$name.err" || RC=$?
}
: >"$T/empty"
missing=$(pipe_name missing)
# True: npiperelay polls for a missing pipe (killing a Wine process that
# waits is avoided: the pipe appears instead, and it connects).  Pipe
# names are case-insensitive, hence numbers.
trues=(1 t T TRUE true True)
for i in "${!trues[@]}"; do
	v=${trues[i]}
	bg "gotrue$i" wine "$GO" -p="$v" -ep="$v" "$(pipe_name "true$i")"
	gopid[i]=$BG_PID
	run_relay nptrue "$T/empty" -l 1 -p="$v" -ep="$v" "$missing"
	expect_rc 4 "nprelay -p=$v" nptrue
done
sleep 1
for i in "${!trues[@]}"; do
	v=${trues[i]}
	alive "${gopid[i]}" || fail "npiperelay -p=$v did not poll: $(cat "$T/gotrue$i.err")"
	start_pipesrv "true$i" --name "$(pipe_name "true$i")" --mode byte \
		--close-after 0 --close-now --count 1
	wait_exit "${gopid[i]}" 20
	((EXIT_STATUS == 0)) || fail "npiperelay -p=$v: status $EXIT_STATUS once the pipe appeared"
done
for v in 0 f F FALSE false False; do
	go_run gofalse 10 "$T/empty" -p="$v" -ep="$v" "$missing"
	((RC == 1)) || fail "npiperelay -p=$v: status $RC, want 1"
	run_relay npfalse "$T/empty" -p="$v" -ep="$v" "$missing"
	expect_rc 3 "nprelay -p=$v" npfalse
done
ok "both read -p=1 t T TRUE true True as true and 0 f F FALSE false False as false"
for v in yes TrUe; do
	go_run gobad 10 "$T/empty" -p="$v" "$missing"
	((RC == 2)) || fail "npiperelay -p=$v: status $RC, want 2 (flag error)"
	run_relay npbad "$T/empty" -p="$v" "$missing"
	expect_rc 2 "nprelay -p=$v" npbad
done
ok "both refuse -p=yes and -p=TrUe with status 2"

# --- where nprelay differs on purpose ---
run_relay np_missing "$T/empty" "$missing"
expect_rc 3 "nprelay, missing pipe" np_missing
go_run gomissing 10 "$T/empty" "$missing"
((RC == 1)) || fail "npiperelay, missing pipe: status $RC, want 1"
ok "missing pipe without -p: npiperelay status 1, nprelay status 3 (documented)"

# A pipe busy for a moment: npiperelay fails at once (jstarks/npiperelay
# issue 7); nprelay waits up to 2 s and connects.
p=$(pipe_name busy)
start_pipesrv busy --name "$p" --mode byte --instances 1 --busy 6000 \
	--close-after 5 --count 3
printf hello >"$T/hello"
go_run gobusy 10 "$T/hello" "$p"
((RC == 1)) || fail "npiperelay, busy pipe: status $RC, want 1: $(cat "$T/gobusy.err")"
go_run gobusyp 10 "$T/hello" -p "$p"
((RC == 1)) || fail "npiperelay -p, busy pipe: status $RC, want 1 (its -p waits only for a missing pipe)"
ok "busy pipe: npiperelay fails at once, with or without -p (status 1): $(tail -n 1 "$T/gobusy.err" | cut -c1-120)"
run_relay npbusy "$T/hello" -p "$p"
expect_rc 0 "nprelay -p, busy pipe" npbusy
server_has busy "holder leaves" || fail "nprelay -p connected before the holder left"
ok "busy pipe: nprelay -p waits until the instance is free and connects ($MS ms)"
