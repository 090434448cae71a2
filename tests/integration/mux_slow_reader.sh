#!/bin/bash
# One mux stream's client stops reading while another streams at full
# speed on the same relay: the stalled stream's window closes (256 KiB in
# flight at most), the other is not held up, and the stalled one gets all
# its bytes once it reads again.
. "$(dirname "$0")/lib.sh"

start_backend src source "$T/backend.sock" --bytes 16M
mux_conf mx
start_router "$T/r.conf" "$T/mx.sock"
wait_log 10 'mux relay pid'

# The stalled client: reads 1 byte, then nothing for 20 seconds.
bg stalled "$NPTEST_PEER" client "$T/mx.sock" --timeout 60 --pause-after 1 \
	--pause 20 --expect-bytes 16M --out "$T/stalled.out"
stalled=$BG_PID
wait_until 10 "the stalled stream is open" eval \
	'"$NPIPEROUTER" status --json -c "$T/r.conf" | grep -q "\"mux_channels\":1"'

# The fast one on the same relay gets everything while the other stalls.
client 15 "$T/mx.sock" --expect-bytes 16M --out "$T/fast.out" ||
	fail "the fast stream was held up by the stalled one (status $?)"
alive "$stalled" || fail "the stalled client finished early: the test proves nothing"
wait_exit "$stalled" 40
((EXIT_STATUS == 0)) || fail "the stalled client did not get all its bytes (status $EXIT_STATUS)"
log "ok"
