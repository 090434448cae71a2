#!/bin/bash
# A Docker engine that cannot be reached, as the docker CLI (28, and
# Debian's 20.10) shows it through the docker adapter: the request is
# answered by the adapter with 502 (503 for a busy pipe) and Docker's
# JSON {"message": ...}, so the CLI prints "Error response from daemon:"
# and a sentence naming the route, the pipe, the Windows error and what
# to check, instead of "error during connect: ... EOF" or "connection
# reset by peer" (issue 12). In the mode of the test (NPR_TEST_MODE):
#   spawn: socat as the relay, to a socket nobody made (it exits 1 with
#          its error on stderr); a relay program that does not exist;
#   mux:   the stand-in mux relay (docs/mux.md §12) to a socket nobody
#          made (an open reply with status 3, Win32 error 2), the same
#          with every open answered "busy" (231), a mux relay program
#          that does not exist, and a mux relay that dies before it
#          answers (exit-after=0, one raw request).
# Wine's nprelay.exe to a missing pipe is in docker_wine.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
need_old_docker

MODE=${NPR_TEST_MODE:-spawn}
: >"$T/wsl.conf"
ADAPTER="{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\"; }"
MISSING=$T/missing.sock

# down_route NAME RELAY ARGS PIPE [MODE]: a docker route of its own.
down_route() {
	cat <<-CONF
	  { name = "$1";
	    listen = { path = "$T/$1.sock"; };
	    relay = { path = "$2"; };
	    relay_args = [ $3 ];
	    pipe = "$4";
	    mode = "${5:-spawn}";
	    adapter = $ADAPTER; }
	CONF
}

case $MODE in
spawn)
	routes="$(down_route down "$SOCAT" '"-t", "30", "STDIO,shut-down"' "UNIX-CONNECT:$MISSING"),
$(down_route nobin "$T/no/nprelay.exe" '"-ep", "-s"' "//./pipe/docker_engine")"
	names=(down nobin)
	;;
mux)
	need_env NPTEST_MUXRELAY -x "the stand-in mux relay (NPR_TEST_MODE=mux)"
	# The router starts relay.path --mux alone: faults need a wrapper.
	printf '#!/bin/sh\nexec "%s" --fault %s "$@"\n' "$NPTEST_MUXRELAY" \
		fail-open=231 >"$T/busy-relay"
	printf '#!/bin/sh\nexec "%s" --fault %s "$@"\n' "$NPTEST_MUXRELAY" \
		exit-after=0 >"$T/dying-relay"
	chmod +x "$T/busy-relay" "$T/dying-relay"
	routes="$(down_route down "$NPTEST_MUXRELAY" '"-s"' "$MISSING" mux),
$(down_route busy "$T/busy-relay" '"-s"' "$MISSING" mux),
$(down_route nobin "$T/no/nprelay.exe" '"-ep", "-s"' "//./pipe/docker_engine" mux),
$(down_route dying "$T/dying-relay" '"-s"' "$MISSING" mux)"
	names=(down busy nobin dying)
	;;
*) fail "NPR_TEST_MODE must be spawn or mux, not '$MODE'" ;;
esac
printf 'routes = (\n%s\n);\n' "$routes" >"$T/router.conf"
socks=()
for n in "${names[@]}"; do
	socks+=("$T/$n.sock")
done
start_router "$T/router.conf" "${socks[@]}"

# cli_says NAME CLI TEXT...: `CLI ps` through route NAME fails, and its
# stderr has every TEXT and neither "EOF" nor "connection reset".
cli_says() {
	local name=$1 cli=$2 t
	shift 2
	if DOCKER_CONFIG=$T/docker-config DOCKER_HOST=unix://$T/$name.sock \
		timeout 60 "$cli" ps >/dev/null 2>"$T/docker.err"; then
		fail "$cli ps through route $name succeeded with the engine unreachable"
	fi
	for t in "Error response from daemon: npiperouter, route $name: cannot reach the Docker engine at " "$@"; do
		grep -qF -- "$t" "$T/docker.err" ||
			fail "$cli ps through route $name did not say '$t': $(cat "$T/docker.err")"
	done
	! grep -qE 'EOF|connection reset' "$T/docker.err" ||
		fail "$cli ps through route $name: $(cat "$T/docker.err")"
	log "$cli: $(cat "$T/docker.err")"
}

# answer_is NAME STATUS: a GET through route NAME is answered STATUS with
# Docker's JSON error and "Connection: close".
answer_is() {
	local a
	a=$(http_get "$T/$1.sock" /v1.41/version | tr -d '\r')
	[[ $(status "$a") == "$2" ]] || fail "route $1 answered: $a"
	grep -qx 'Content-Type: application/json' <<<"$a" || fail "route $1: no JSON: $a"
	grep -qx 'Connection: close' <<<"$a" || fail "route $1: no Connection: close: $a"
	tail -n 1 <<<"$a" | jq -e '.message | test("npiperouter, route ")' >/dev/null ||
		fail "route $1: the body is no Docker error: $a"
}
need jq

# First, while its first relay runs: the relay dies with the stream
# open. Only one request: the next ones would wait in the listen backlog
# for the relay's restart, after a backoff, or, once it keeps dying, be
# answered with that (docs/mux.md §13; integration.mux_crash_loop).
if [[ $MODE == mux ]]; then
	a=$(http_get "$T/dying.sock" /v1.41/version | tr -d '\r')
	[[ $(status "$a") == 502 ]] || fail "route dying answered: $a"
	tail -n 1 <<<"$a" | jq -e '.message | test("route dying: cannot reach the Docker engine at .*: the mux relay ended; is the route.s relay")' >/dev/null ||
		fail "route dying: $a"
	log "a mux relay that dies: $(tail -n 1 <<<"$a")"
fi

hint='is Docker Desktop running?'
relay_hint="is the route's relay (relay.path) there and working?"
for cli in docker "$OLD_DOCKER"; do
	if [[ $MODE == spawn ]]; then
		# socat's own words: the route's pipe is its address.
		cli_says down "$cli" "UNIX-CONNECT:$MISSING" "No such file or directory" "$hint"
	else
		# The stand-in's open reply, as nprelay's: the text and the code.
		cli_says down "$cli" "$MISSING: cannot open pipe: The system cannot find the file specified (error 2)" "$hint"
		cli_says busy "$cli" "$MISSING: cannot open pipe: All pipe instances are busy (error 231)" \
			"the engine's pipe is busy: try again"
	fi
	cli_says nobin "$cli" "//./pipe/docker_engine" "cannot start relay \"$T/no/nprelay.exe\": No such file or directory" "$relay_hint"
done

answer_is down 502
answer_is nobin 502
[[ $MODE == spawn ]] || answer_is busy 503
wait_log 5 "docker: GET /v1.41/version -> 502, answered here, the engine cannot be reached"
router_alive
log "ok"
