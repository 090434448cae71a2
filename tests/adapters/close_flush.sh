#!/bin/bash
# An adapter that ends a session after it queued an answer (a refusal,
# then a frame it cannot take) gets that answer to the client whole
# before the close: the close path once dropped what was still queued.
# The test-only `verdicts` plugin through the real router: one write of
# "r" and a line of 900 KB (answered "R:" and the line, far more than a
# socket takes at once) and then "c" (close with a reason). The client
# must get the whole answer, then EOF.
. "$(dirname "$0")/lib.sh"
[[ -n ${NPR_ADAPTER_TEST_DIR:-} && -f $NPR_ADAPTER_TEST_DIR/verdicts.so ]] ||
	fail "NPR_ADAPTER_TEST_DIR must hold the test-only plugins (got '${NPR_ADAPTER_TEST_DIR:-}')"
need head base64 cmp
export NPIPEROUTER_PLUGIN_DIR=$NPR_ADAPTER_TEST_DIR

cat >"$T/router.conf" <<CONF
routes = (
$(route v '{ name = "verdicts"; }' "EXEC:cat")
);
CONF
start_router "$T/router.conf" "$T/v.sock"

head -c 675000 /dev/urandom | base64 -w 0 >"$T/line" # 900000 bytes
{ printf 'r'; cat "$T/line"; printf '\nc\n'; } >"$T/in"
{ printf 'R:'; cat "$T/line"; printf '\n'; } >"$T/want"
for run in 1 2 3; do
	timeout 20 socat -t 10 - "UNIX-CONNECT:$T/v.sock" <"$T/in" >"$T/out" ||
		fail "the client failed (run $run)"
	cmp -s "$T/want" "$T/out" ||
		fail "run $run: got $(stat -c %s "$T/out") bytes, not the $(stat -c %s "$T/want") of the answer"
done
wait_log 5 "verdicts: closed by c; closing the session"
router_alive
log "the answer queued before the adapter's close arrived whole, 3 runs"
log "ok"
