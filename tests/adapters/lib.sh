# Sourced by every adapter test: a temporary directory, background
# processes that never outlive the test, bounded waits, loud failures
# (tests/lib/common.sh). The tests run the real npiperouter with the real
# plugins, socat as the relay child, and the real OpenSSH and GnuPG
# programs.
#
# Environment (set by ctest, see CMakeLists.txt):
#   NPIPEROUTER             the router binary under test
#   NPIPEROUTER_PLUGIN_DIR  the plugins built in this tree
#   NPR_ADAPTER_TEST_DIR    the test-only plugins (wrong ABI, ...)
#   NPR_ETC_DIR             the example configs
#   NPR_KEEP_TMP=1          keep the temporary directory

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

NEED_HINT=' (see scripts/deps.sh)'

need_env NPIPEROUTER -x "the router binary"
need_env NPIPEROUTER_PLUGIN_DIR -d "the built plugins"
need socat timeout od
# Socket paths must fit in sun_path (108 bytes): keep the directory short.
T=$(mktemp -d /tmp/npa-XXXXXX)
use_private_runtime

# route NAME ADAPTER_GROUP PIPE: one route of a config, socat as relay
# (routes are separated by commas; libconfig allows no trailing one).
route() {
	cat <<-CONF
	  { name = "$1";
	    listen = { path = "$T/$1.sock"; };
	    relay = { path = "$(command -v socat)"; };
	    relay_args = [ "-t", "30", "-" ];
	    pipe = "$3";
	    adapter = $2; }
	CONF
}

router_alive() {
	alive "$ROUTER_PID" || fail "the router died: $(tail -n 20 "$ROUTER_LOG")"
}

# start_gpg_agent: a gpg-agent daemon in a throw-away GNUPGHOME ($T/gnupg,
# exported), stopped at exit; `gpgconf --list-dirs` names its sockets.
start_gpg_agent() {
	export GNUPGHOME=$T/gnupg
	mkdir -m 700 "$GNUPGHOME"
	CLEANUPS+=("GNUPGHOME='$GNUPGHOME' gpgconf --kill all")
	gpg-agent --daemon >"$T/gpg-agent.log" 2>&1 || fail "gpg-agent did not start"
}

# send_raw SOCKET FORMAT: send printf FORMAT's bytes, then EOF, and print
# the answer in hex (the connection's end, within 10 s, ends it).
send_raw() {
	# shellcheck disable=SC2059
	printf "$2" | timeout 10 socat -t 5 - "UNIX-CONNECT:$1" | od -An -tx1 |
		tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# ask_raw SOCKET FORMAT N: send printf FORMAT's bytes and print the first
# N bytes of the answer in hex. The client sends EOF only once N bytes
# came back: OpenSSH's agent drops a connection at EOF with its answer
# unsent. No answer within 10 s fails the test.
ask_raw() {
	local pid fd
	# shellcheck disable=SC2059
	printf "$2" >"$T/ask.in"
	rm -f "$T/ask.out" "$T/ask.fifo"
	mkfifo "$T/ask.fifo"
	timeout 15 socat -t 5 - "UNIX-CONNECT:$1" <"$T/ask.fifo" >"$T/ask.out" &
	pid=$!
	# Holding the fifo open holds socat's stdin, and so the client's EOF.
	exec {fd}>"$T/ask.fifo"
	cat "$T/ask.in" >&"$fd"
	wait_until 10 "an answer of $3 bytes on $1" _has_bytes "$T/ask.out" "$3"
	exec {fd}>&-
	wait "$pid" || true
	head -c "$3" "$T/ask.out" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}
_has_bytes() { [[ -f $1 ]] && (($(stat -c %s "$1") >= $2)); }
