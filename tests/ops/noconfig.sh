#!/bin/bash
# No config file and no Windows service: check, run, status, env and
# reload all work (zero built-in routes, one log line per route skipped,
# saying why), where they used to stop at "cannot read". The relay here
# is no nprelay.exe (/bin/false), so the probe itself fails; the routes
# are skipped for that reason. The Wine test adapters.zeroconf_wine has
# the services.
. "$(dirname "$0")/lib.sh"

export HOME=$T/home XDG_CONFIG_HOME=$T/config
mkdir -m 700 "$HOME"
default=$("$NPIPEROUTER" --help | sed -n 's/.*config file (default: \(.*\))$/\1/p')
[[ -n $default && ! -e $default ]] || fail "the default config '$default' exists"
export NPIPEROUTER_RELAY=/bin/false

"$NPIPEROUTER" check >"$T/check.out" 2>"$T/check.err" ||
	fail "check without a config: $(cat "$T/check.out" "$T/check.err")"
grep -qx "$default: no such file; 0 built-in route(s) for the Windows services found, OK" \
	"$T/check.out" || fail "check said: $(cat "$T/check.out")"
for r in docker ssh-agent; do
	grep -q "built-in route \"$r\": skipped: cannot probe .*: the relay.s --probe answered 0 line(s) for 2 name(s)" \
		"$T/check.err" || fail "no line for $r: $(cat "$T/check.err")"
done
log "check: 0 built-in routes, one line per skipped route"

"$NPIPEROUTER" config --print >"$T/printed.conf" || fail "config --print"
mkdir -m 700 "$T/p" && mv "$T/printed.conf" "$T/p/"
"$NPIPEROUTER" check -c "$T/p/printed.conf" >"$T/check2.out" 2>&1 &&
	fail "check accepted a config with no routes: $(cat "$T/check2.out")"
grep -q "no routes configured" "$T/check2.out" || fail "check2: $(cat "$T/check2.out")"
log "config --print of no routes: a valid file, which check -c calls empty"

bg router "$NPIPEROUTER" run
ROUTER_PID=$BG_PID
wait_until 20 "the router to be ready" grep -q "ready: 0 route(s)" "$T/router.err"
"$NPIPEROUTER" status >"$T/status.out" || fail "status: $(cat "$T/status.out")"
grep -q "^npiperouter pid $ROUTER_PID" "$T/status.out" || fail "status: $(cat "$T/status.out")"
[[ -z $("$NPIPEROUTER" env) ]] || fail "env printed lines with no route"
"$NPIPEROUTER" reload >"$T/reload.out" || fail "reload: $(cat "$T/reload.out")"
grep -q "reloaded .*: 0 route(s)" "$T/reload.out" || fail "reload: $(cat "$T/reload.out")"
wait_until 10 "the re-probe on reload" test "$(grep -c 'built-in route "docker": skipped' "$T/router.err")" -ge 2
"$NPIPEROUTER" stop >/dev/null || fail "stop"
wait_exit "$ROUTER_PID" 20
((EXIT_STATUS == 0)) || fail "run exited $EXIT_STATUS"
log "run, status, env, reload (probing again) and stop with no config file"
