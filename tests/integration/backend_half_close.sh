#!/bin/bash
# The backend sends a greeting and shuts down its write side; the client
# sees EOF, and may still send afterwards: the backend must receive every
# byte (EOF from the child reaches the client as shutdown(SHUT_WR), not as
# the end of the session).
. "$(dirname "$0")/lib.sh"
need socat

mkdir "$T/saved"
start_backend shut greet-shut "$T/backend.sock" --greeting "ready" \
	--save-dir "$T/saved" --log "$T/backend.log"
# socat -t 30: after the backend's EOF socat waits for the client's data.
socat_conf hs -t 30
start_router "$T/r.conf" "$T/hs.sock"

# --send-after-eof: read the greeting up to EOF first, only then send.
client 30 "$T/hs.sock" --send-after-eof --send-random 2M --send-copy "$T/sent" \
	--out "$T/got" || fail "client failed (status $?)"
[[ $(cat "$T/got") == ready ]] || fail "greeting was '$(cat "$T/got")'"
wait_until 10 "the backend to receive the client's data and EOF" \
	test -f "$T/saved/conn-1.bin"
same_file "$T/sent" "$T/saved/conn-1.bin"
log "ok"
