#!/bin/bash
# Each --fault of the stand-in relay produces the bytes it claims, as the
# codec in mux-check reads them: text before or instead of the hello,
# silence, garbage, a truncated frame, a frame for an unknown stream, data
# beyond the window, a window past 2^32 - 1, no pong, failed opens, no
# credit, an exit after N streams. Each has a control without the fault.
# shellcheck source-path=SCRIPTDIR source=standin_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/standin_lib.sh"

backend echo echo
E=$T/echo.sock
TEXT='nptest-muxrelay: this is not a mux relay\n'

check text-instead -- --fault text-instead
has text-instead "not mux \"$TEXT\""
has text-instead "exit 0"
check text-before -- --fault text-before --fault-text "warming up"$'\n'
has text-before 'not mux "warming up\nnprelay-mux 1\n"'
check silent --hello-wait 1 -- --fault silent
has silent silent
has silent "exit 0"
check garbage --until-eof -- --fault garbage
has garbage hello
has garbage "violation frame version 110, want 0 (unknown frame version)"
check truncated --until-eof -- --fault truncated
has truncated "eof inside a frame after 22 bytes"
check unknown --streams 1 --bytes 1K --arg -s --arg "$E" -- --fault unknown-stream
has unknown "violation stream 2: frame for a stream the peer never opened (bad stream id)"

check beyond --streams 1 --arg "$E" -- --fault beyond-window
has beyond 'violation stream 1: 262144 bytes of Data with 262135 left in the window (data beyond the window)'
check overflow --streams 1 --arg "$E" -- --fault window-overflow
has overflow 'violation stream 1: window update of 4294967295 on a window of 262144 passes 2^32 - 1 (window overflow)'

check pong --ping --streams 1 --bytes 1K --arg -s --arg "$E" --
has pong pong
check no-pong --ping --streams 1 --bytes 1K --arg -s --arg "$E" -- --fault no-pong
has no-pong "no pong"
has no-pong "stream 1 done sent=1024 received=1024"

check fail-open --streams 2 --bytes 1K --arg -s --arg "$E" -- --fault fail-open=5
has fail-open "stream 1 reply 3 5 \"$E: cannot open pipe: Access is denied (error 5)\""
has fail-open "stream 3 reply 3 5 \"$E: cannot open pipe: Access is denied (error 5)\""

# A stream whose credit never returns stalls after one window; without
# the fault the same stream completes.
check credit --stall --streams 1 --bytes 1M --arg -s --arg "$E" --
has credit "stream 1 done sent=1048576 received=1048576"
check no-credit --stall --streams 1 --bytes 1M --arg -s --arg "$E" -- --fault no-credit
grep -qE '^stream 1 stalled sent=26[0-9]{4} received=26[0-9]{4}$' "$T/no-credit.out" ||
	fail "no-credit: $(cat "$T/no-credit.out")"

EXIT=1 check exit-after --sequential --streams 3 --bytes 10K --arg -s --arg "$E" -- --fault exit-after=2
has exit-after "stream 3 done sent=10240 received=10240"
has exit-after "eof"
has exit-after "stream 5 unfinished"

# Bad options are usage errors.
"${RELAY[@]}" --mux --fault no-such 2>/dev/null && fail "--fault no-such accepted"
"${RELAY[@]}" --mux --fault silent --fault garbage </dev/null 2>/dev/null &&
	fail "two leading faults accepted"
log ok
