#!/bin/bash
# A mux stream's receive window grows while it limits the stream, but
# credit still bounds what the router holds for a client that stops
# reading (docs/mux.md §5): on the relay's side of the router, one
# stream never has more than MUX_WINDOW_GROWN_MAX (4 MiB) in flight,
# however fast it ran before its client stopped; plus what the session
# buffers towards the client (256 KiB and one turn of 256 KiB: a mux
# stream's chan hands its input over in turns, router/chan.c, so a
# stopped client does not take a whole window into its output at once)
# and the client socket's kernel buffer.
#
# Two routes to one 64 MiB source, one stand-in relay each, so each
# route's byte count is one client's:
#   still   reads 1 byte, then nothing
#   fast    reads 16 MiB at full speed (its window grows to the cap),
#           then nothing
# For each, what the router received from the relay (status --json,
# bytes_down, which counts open sessions) less what the client read must
# settle under the bound.
. "$(dirname "$0")/lib.sh"

GROWN_MAX=$((4 * 1024 * 1024))
wmem=$(cat /proc/sys/net/core/wmem_default 2>/dev/null || echo 212992)
# 256 KiB session buffer + one 256 KiB turn + the socket, twice over for
# the socket's bookkeeping (skb overhead counts against it).
SLACK=$((512 * 1024 + 2 * wmem))

start_backend src source "$T/backend.sock" --bytes 64M
{
	printf 'relay = { path = "%s"; };\nroutes = (\n' "$NPTEST_MUXRELAY"
	for r in still fast; do
		printf '  { name = "%s"; listen = { path = "%s"; }; mode = "mux";\n' "$r" "$T/$r.sock"
		printf '    relay_args = [ "-s" ]; pipe = "%s"; },\n' "$T/backend.sock"
	done
	printf ');\n'
} >"$T/r.conf"
sed -i '$!{/},$/{N;s/},\n);/}\n);/}}' "$T/r.conf"
start_router "$T/r.conf" "$T/still.sock" "$T/fast.sock"
wait_log_count 10 2 'mux relay pid [0-9]+ ready'

bg still "$NPTEST_PEER" client "$T/still.sock" --timeout 120 --pause-after 1 --pause 100
bg fast "$NPTEST_PEER" client "$T/fast.sock" --timeout 120 --pause-after 16M --pause 100

down() {
	"$NPIPEROUTER" status --json -c "$T/r.conf" |
		jq -e --arg r "$1" '.routes[] | select(.name == $r) | .bytes_down'
}

# settled ROUTE: the route's bytes_down once two readings 1 s apart agree.
settled() {
	local a b i
	a=$(down "$1")
	for ((i = 0; i < 30; i++)); do
		sleep 1
		b=$(down "$1")
		if ((a == b && b > 0)); then
			echo "$b"
			return 0
		fi
		a=$b
	done
	fail "$1: bytes_down still moving after 30 s ($a)"
}

for r in still fast; do
	case $r in
	still) read=1 ;;
	fast) read=$((16 * 1024 * 1024)) ;;
	esac
	got=$(settled "$r")
	held=$((got - read))
	log "$r: router received $got bytes, the client read $read: $held held on the way"
	((got >= read)) || fail "$r: the router received less than the client read"
	((held <= GROWN_MAX + SLACK)) ||
		fail "$r: $held bytes held for a client that stopped reading; bound $((GROWN_MAX + SLACK))"
done
log "ok"
