#!/bin/bash
# The README's ssh-agent route (-ei -s -p, plain and with the ssh-agent
# adapter) when the Windows agent drops a connection: the pipe server
# reads the request and closes without answering.  The client never shuts
# down its side, as ssh waiting for an answer does; it must get EOF as
# soon as the pipe is closed (the relay ends at a broken pipe whatever
# its flags), not hang.
. "$(dirname "$0")/lib.sh"
chain_init

pipe=$(pipe_name agent)
start_pipesrv agent --name "$pipe" --mode byte --no-echo --close-after 5 \
	--close-now
{
	echo 'routes = ('
	route plain "$pipe" -ei -s -p
	echo ','
	ROUTE_EXTRA='adapter = { name = "ssh-agent"; }; ' route adapter "$pipe" -ei -s -p
	echo ');'
} >"$T/r.conf"
start_router "$T/r.conf" "$T/plain.sock" "$T/adapter.sock"

server_closed() { (($(grep -cx 'closed 5' "$T/agent.log") >= $1)); }

# SSH_AGENTC_REQUEST_IDENTITIES: length 1, type 11.
printf '\0\0\0\1\13' >"$T/request"
closed=0
for r in plain adapter; do
	client 30 "$T/$r.sock" --send "$T/request" --no-shutdown \
		--out "$T/$r.received" >"$T/$r.client" 2>&1 &
	cpid=$!
	BG_PIDS+=("$cpid")
	closed=$((closed + 1))
	wait_until 30 "the server to close connection $closed" \
		server_closed "$closed"
	t0=$(date +%s%N)
	rc=0
	wait "$cpid" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	((rc == 0)) || fail "$r: the client got no EOF (status $rc): $(cat "$T/$r.client")"
	[[ ! -s $T/$r.received ]] || fail "$r: the client got $(stat -c %s "$T/$r.received") bytes, no answer was sent"
	ok "$r ssh-agent route: the client got EOF ${ms} ms after the pipe server closed"
done
