#!/bin/bash
# 200 connections open at the same time across two routes (100 each), each
# with its own random content verified end to end. Every client holds its
# connection open until all 200 backend connections exist, so they are
# really concurrent, not merely quick.
. "$(dirname "$0")/lib.sh"
need socat

N=100
start_backend echo echo "$T/echo.sock" --log "$T/echo.log"
start_backend drain drain-reply "$T/drain.sock" --log "$T/drain.log"
cat >"$T/r.conf" <<CONF
relay = { path = "$RELAY"; };
routes = (
  { name = "a";
    listen = { path = "$T/a.sock"; };
    $(relay_route -t 30 "$T/echo.sock")
  },
  { name = "b";
    listen = { path = "$T/b.sock"; };
    $(relay_route -t 30 "$T/drain.sock")
  }
);
CONF
start_router "$T/r.conf" "$T/a.sock" "$T/b.sock"

mkdir "$T/c"
pids=()
for ((i = 0; i < N; i++)); do
	for r in a b; do
		timeout -k 2 50 "$NPTEST_PEER" client "$T/$r.sock" --timeout 40 \
			--send-random $((20000 + i * 97)) --send-copy "$T/c/$r$i.sent" \
			--out "$T/c/$r$i.got" --hold-until "$T/release" \
			2>"$T/c/$r$i.err" &
		pids+=($!)
	done
done

count() { grep -c "^$1 " "$2" || true; }
all_open() {
	(($(count accept "$T/echo.log") == N && $(count accept "$T/drain.log") == N))
}
wait_until 60 "$N backend connections per route" all_open
# Nothing ended yet: all 2N sessions were alive at the same moment.
(($(count close "$T/echo.log") == 0 && $(count close "$T/drain.log") == 0)) ||
	fail "a backend connection closed before the clients were released"
touch "$T/release"

failed=0
for pid in "${pids[@]}"; do
	wait "$pid" || failed=$((failed + 1))
done
((failed == 0)) || fail "$failed client(s) failed: $(cat "$T"/c/*.err | sort | uniq -c | head)"
for ((i = 0; i < N; i++)); do
	for r in a b; do
		cmp -s "$T/c/$r$i.sent" "$T/c/$r$i.got" ||
			fail "route $r client $i: reply differs from what it sent"
	done
done
log "ok: $((2 * N)) concurrent connections verified"
