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

# ABI 2.1 appended relay_failed: a plugin that has it (the example)
# answers a relay that failed before it said anything; one built for 2.0
# (minor-zero, whose struct ends before it) keeps 2.0's plain close, and
# the member past its size is never called. The relay is socat to a
# socket nobody made: it exits 1 with one line on stderr.
fail_conf() {
	cat <<-CONF
	routes = (
	$(route failing "{ name = \"$1\"; }" "UNIX-CONNECT:$T/missing.sock")
	);
	CONF
}
# ask_failing [-r]: a line to the failing route; prints what came back.
# -r: the connection may end in a reset, as ABI 2.0 sessions always could
# when the router closed them with the client's line unread.
ask_failing() {
	printf 'hello\n' | timeout 10 socat -t 5 - "UNIX-CONNECT:$T/failing.sock" ||
		[[ ${1:-} == -r ]] || fail "socat to the failing route failed"
}
fail_conf example >"$T/fail.conf"
start_router "$T/fail.conf" "$T/failing.sock"
out=$(ask_failing)
want="ERROR cannot reach UNIX-CONNECT:$T/missing.sock: "
[[ $out == "$want"*"$T/missing.sock"*"No such file or directory" ]] ||
	fail "the 2.1 plugin's answer to a failed relay was '$out', not '$want' and socat's line"
kill "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10
log "a 2.1 plugin answers a relay that failed: $out"

fail_conf minor-zero >"$T/fail0.conf"
NPIPEROUTER_PLUGIN_DIR=$NPR_ADAPTER_TEST_DIR start_router "$T/fail0.conf" "$T/failing.sock"
out=$(ask_failing -r 2>/dev/null)
[[ -z $out ]] || fail "a 2.0 plugin's session answered '$out' for a failed relay"
wait_log 5 "relay exited with status 1"
out=$(ask_failing -r 2>/dev/null)
[[ -z $out ]] || fail "a 2.0 plugin's second session answered '$out'"
router_alive
kill "$ROUTER_PID"
wait_exit "$ROUTER_PID" 10
log "a 2.0 plugin's session is closed as before, its missing member unread"

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
