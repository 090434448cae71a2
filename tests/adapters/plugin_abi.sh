#!/bin/bash
# Plugins built for another ABI major, or without the entry point, are
# refused with the documented messages by `check` and by `run`, which then
# does not start.
. "$(dirname "$0")/lib.sh"
[[ -n ${NPR_ADAPTER_TEST_DIR:-} && -f $NPR_ADAPTER_TEST_DIR/wrong-major.so ]] ||
	fail "NPR_ADAPTER_TEST_DIR must hold the test-only plugins (got '${NPR_ADAPTER_TEST_DIR:-}')"
export NPIPEROUTER_PLUGIN_DIR=$NPR_ADAPTER_TEST_DIR

cat >"$T/router.conf" <<CONF
routes = (
$(route major '{ name = "wrong-major"; }' "EXEC:cat"),
$(route entry '{ name = "no-entry"; }' "EXEC:cat"),
$(route data '{ name = "no-data"; }' "EXEC:cat")
);
CONF
d=$NPR_ADAPTER_TEST_DIR
want="$T/router.conf:7: route \"major\": adapter \"wrong-major\": $d/wrong-major.so was built for adapter ABI 2.3; this npiperouter has ABI 1.0 (rebuild the plugin against its npiperouter/adapter.h)
$T/router.conf:13: route \"entry\": adapter \"no-entry\": $d/no-entry.so is not an npiperouter adapter: it does not export npr_adapter_entry()
$T/router.conf:19: route \"data\": adapter \"no-data\": $d/no-data.so (ABI 1.0) lacks the required entry \"data\"
$T/router.conf: 3 error(s)"
if out=$("$NPIPEROUTER" check -c "$T/router.conf" 2>&1); then
	fail "check accepted the broken plugins: $out"
fi
[[ $out == "$want" ]] || fail "check said:
$out
not:
$want"
log "check refuses them with the documented messages"

if timeout 10 "$NPIPEROUTER" run -c "$T/router.conf" >"$T/run.log" 2>&1; then
	fail "run started with the broken plugins"
fi
grep -qF "was built for adapter ABI 2.3; this npiperouter has ABI 1.0" "$T/run.log" ||
	fail "run did not say why: $(cat "$T/run.log")"
[[ ! -e $T/major.sock ]] || fail "run listened anyway"
log "run refuses to start"
log "ok"
