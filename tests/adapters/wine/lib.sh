# Sourced by the adapters' Wine tests after ../lib.sh: the router's relay
# child is `wine nprelay.exe`, in the Wine prefix of the wine.setup
# fixture (tests/wine), against the real OpenSSH and GnuPG agents.
#
# Environment (from ctest): NPRELAY_EXE, NPR_PIPEBRIDGE_EXE, WINEPREFIX,
# WINEDEBUG, WINEDLLOVERRIDES.

need wine dd
need_env NPRELAY_EXE -f "nprelay.exe"
[[ -n ${WINEPREFIX:-} && -d $WINEPREFIX/drive_c/windows/system32 ]] ||
	fail "WINEPREFIX '${WINEPREFIX:-}' is not set up: the wine.setup fixture must run first"
export WINEPREFIX WINEDEBUG=${WINEDEBUG:--all}
WINE=$(command -v wine)
WINE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# wine_route NAME ADAPTER_GROUP PIPE NPRELAY-FLAGS...: a route whose relay
# is wine + nprelay.exe + flags + PIPE.
wine_route() {
	local name=$1 group=$2 pipe=$3 f args="\"$NPRELAY_EXE\""
	shift 3
	for f in "$@"; do
		args+=", \"$f\""
	done
	cat <<-CONF
	  { name = "$name";
	    listen = { path = "$T/$name.sock"; };
	    relay = { path = "$WINE"; };
	    relay_args = [ $args ];
	    pipe = "$pipe";
	    adapter = $group; }
	CONF
}

_socat_up() {
	grep -q "listening on" "$T/$1.err" 2>/dev/null && return 0
	alive "$2" && return 1
	return 0
}

# tcp_forward NAME TARGET: socat on a free 127.0.0.1 port forwarding each
# connection to the socat address TARGET. Sets PORT. -t 30: by default
# socat exits 0.5 s after one side's EOF, dropping a late answer.
tcp_forward() {
	local name=$1 target=$2 try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		PORT=$((20000 + RANDOM % 40000))
		bg "$name" socat -d -d -t 30 \
			"TCP4-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" "$target"
		wait_until 10 "socat $name" _socat_up "$name" "$BG_PID"
		grep -q "listening on" "$T/$name.err" && return 0
	done
	fail "socat found no free port: $(tail -n 3 "$T/$name.err")"
}
