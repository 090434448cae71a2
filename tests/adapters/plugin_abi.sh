#!/bin/bash
# Plugins built for another ABI major (a later one, or ABI 1, whose
# options were libconfig's own type), or without the entry point, are
# refused with the documented messages by `check` and by `run`, which then
# does not start. No plugin links libconfig: ABI 2 hands options through
# the router's accessors, so a plugin does not depend on libconfig's soname.
. "$(dirname "$0")/lib.sh"
[[ -n ${NPR_ADAPTER_TEST_DIR:-} && -f $NPR_ADAPTER_TEST_DIR/wrong-major.so ]] ||
	fail "NPR_ADAPTER_TEST_DIR must hold the test-only plugins (got '${NPR_ADAPTER_TEST_DIR:-}')"
need readelf

n=0
for so in "$NPIPEROUTER_PLUGIN_DIR"/*.so "$NPR_ADAPTER_TEST_DIR"/*.so; do
	[[ -f $so ]] || continue
	needed=$(readelf -d "$so") || fail "readelf cannot read $so"
	# The tiny test-only ones need nothing, not even libc.
	[[ $so != "$NPIPEROUTER_PLUGIN_DIR"/* ]] || grep -q 'NEEDED.*libc\.so' <<<"$needed" ||
		fail "readelf shows no libc among what $so needs: $needed"
	if grep -i 'NEEDED.*libconfig' <<<"$needed"; then
		fail "$so links libconfig"
	fi
	n=$((n + 1))
done
((n >= 8)) || fail "only $n plugins found to check"
for p in docker ssh-agent assuan example; do
	[[ -f $NPIPEROUTER_PLUGIN_DIR/$p.so ]] || fail "$p.so was not built"
done
log "none of the $n plugins links libconfig"

export NPIPEROUTER_PLUGIN_DIR=$NPR_ADAPTER_TEST_DIR

cat >"$T/router.conf" <<CONF
routes = (
$(route major '{ name = "wrong-major"; }' "EXEC:cat"),
$(route old '{ name = "old-major"; }' "EXEC:cat"),
$(route entry '{ name = "no-entry"; }' "EXEC:cat"),
$(route data '{ name = "no-data"; }' "EXEC:cat")
);
CONF
d=$NPR_ADAPTER_TEST_DIR
want="$T/router.conf:7: route \"major\": adapter \"wrong-major\": $d/wrong-major.so was built for adapter ABI 3.3; this npiperouter has ABI 2.1 (rebuild the plugin against its npiperouter/adapter.h)
$T/router.conf:13: route \"old\": adapter \"old-major\": $d/old-major.so was built for adapter ABI 1.0; this npiperouter has ABI 2.1 (rebuild the plugin against its npiperouter/adapter.h)
$T/router.conf:19: route \"entry\": adapter \"no-entry\": $d/no-entry.so is not an npiperouter adapter: it does not export npr_adapter_entry()
$T/router.conf:25: route \"data\": adapter \"no-data\": $d/no-data.so (ABI 2.1) lacks the required entry \"data\"
$T/router.conf: 4 error(s)"
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
grep -qF "old-major.so was built for adapter ABI 1.0; this npiperouter has ABI 2.1" "$T/run.log" ||
	fail "run did not say why: $(cat "$T/run.log")"
[[ ! -e $T/major.sock ]] || fail "run listened anyway"
log "run refuses to start"
log "ok"
