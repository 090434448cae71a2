# Sourced by the expose_* tests after lib.sh: exposed routes (DESIGN.md
# §10) against the stand-in relay, whose exposed pipes are unix sockets
# in $PIPES (protocol point 7, docs/mux.md "Exposed pipes"): a test's
# "Windows client" is an nptest-peer client on $PIPES/NAME.

need_env NPTEST_MUXRELAY -x "the stand-in mux relay"
need jq

PIPES=$T/pipes
mkdir -p "$PIPES"
# The stand-in as relay.path, serving exposures in $PIPES.
EXPOSE_RELAY=$T/expose-relay
printf '#!/bin/sh\nexec "%s" "$@" --expose-dir "%s"\n' "$NPTEST_MUXRELAY" \
	"$PIPES" >"$EXPOSE_RELAY"
chmod +x "$EXPOSE_RELAY"

# expose_route NAME CONNECT [SETTING...]: one exposed route, pipe
# //./pipe/NAME, printed for a routes list.
expose_route() {
	local name=$1 connect=$2 s
	shift 2
	printf '  { name = "%s";\n    expose = { pipe = "//./pipe/%s"; };\n' \
		"$name" "$name"
	printf '    connect = "%s";\n' "$connect"
	for s in "$@"; do
		printf '    %s\n' "$s"
	done
	printf '  }'
}

# expose_conf NAME CONNECT [SETTING...]: $T/r.conf with that one route.
expose_conf() {
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$EXPOSE_RELAY"
		expose_route "$@"
		printf '\n);\n'
	} >"$T/r.conf"
}

# route_json NAME: the route's object in `status --json`.
route_json() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" |
		jq -c --arg n "$1" '.routes[] | select(.name == $n)'
}

# expose_pid NAME: the pid of route NAME's mux relay (0: none).
expose_pid() { route_json "$1" | jq -r '.mux_pid // 0'; }
