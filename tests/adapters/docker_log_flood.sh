#!/bin/bash
# The docker adapter's log lines are rate-limited per session by the
# router (hostile review item 5): one connection pipelining thousands of
# denied requests gets every answer, but the log gets a few lines a
# second and "N adapter line(s) not logged" for the rest, and nothing is
# lost from that count. The router logs at its default level (info): the
# lines a denied request costs are measured on a session of its own first.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
need python3
[[ -n ${NPR_DOCKER_ENGINE:-} && -x $NPR_DOCKER_ENGINE ]] ||
	fail "NPR_DOCKER_ENGINE must name npr-docker-engine (got '${NPR_DOCKER_ENGINE:-}')"

bg engine "$NPR_DOCKER_ENGINE" "$T/engine.sock" "$T/engine.log"
wait_until 10 "npr-docker-engine's socket" test -S "$T/engine.sock"
: >"$T/wsl.conf"
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route guarded "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    deny = [ \"volumes\" ]; }" "$T/engine.sock")
);
CONF
# start_router, but at the default log level: debug lines are not the
# point, and the count per request must not depend on them.
bg router "$NPIPEROUTER" run -c "$T/router.conf"
ROUTER_PID=$BG_PID
ROUTER_LOG=$T/router.err
wait_until "$ROUTER_WAIT" "router socket" _listening "$ROUTER_PID" "$T/guarded.sock" router

# adapter_lines ID: the lines the adapter logged for session ID.
adapter_lines() { log_count "route \"guarded\" #$1: docker: "; }
# unlogged ID: what the router counted as not logged for session ID.
unlogged() {
	{ grep -oE "route \"guarded\" #$1: [0-9]+ adapter line\\(s\\) not logged" "$ROUTER_LOG" || true; } |
		awk '{ n += $4 } END { print n + 0 }'
}

# Session #1: one denied request, to learn what one costs in the log.
req=$'GET /v1.41/volumes HTTP/1.1\r\nHost: d\r\n\r\n'
printf '%s' "$req" >"$T/one.req"
http_raw "$T/guarded.sock" "$T/one.req" >"$T/one.out"
head -n 1 "$T/one.out" | grep -q '^HTTP/1.1 403 ' || fail "one denied request: $(head -c 300 "$T/one.out")"
wait_log 10 'route "guarded" #1: relay exited'
per=$(adapter_lines 1)
((per >= 1)) || fail "a denied request logged nothing: $(cat "$ROUTER_LOG")"
log "a denied request costs $per adapter line(s)"

# Session #2: N denied requests in one write.
N=3000
python3 -c 'import sys; sys.stdout.write(sys.argv[1] * int(sys.argv[2]))' "$req" "$N" >"$T/many.req"
http_raw "$T/guarded.sock" "$T/many.req" >"$T/many.out"
answers=$(grep -c '^HTTP/1.1 403 ' "$T/many.out" || true)
((answers == N)) || fail "$answers of $N denied requests were answered"
wait_log 10 'route "guarded" #2: relay exited'
# The count is logged as the session is freed: bounded, and not fatal.
for _ in $(seq 1 50); do
	(($(adapter_lines 2) + $(unlogged 2) == N * per)) && break
	sleep 0.1
done
l=$(adapter_lines 2) u=$(unlogged 2)
log "session #2: $N requests, $l adapter lines logged, $u not logged"
((u > 0)) || fail "all $l adapter lines of $N requests were logged: no rate limit"
((l + u == N * per)) || fail "$l logged + $u not logged != $N x $per"
alive "$ROUTER_PID" || fail "the router died"
log "ok"
