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

# doctor says the file is missing, not that it holds no route.
"$NPIPEROUTER" doctor >"$T/doctor.out" 2>&1 || true
grep -qx "ok    config $default: no such file; 0 built-in route(s) for the Windows services found" \
	"$T/doctor.out" || fail "doctor said: $(cat "$T/doctor.out")"

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

# A socket path from Linux's gpgconf holding "${" (a GNUPGHOME so named)
# cannot be said in config text, where it would be expanded: that route
# is skipped, saying why, and the other built-in routes still load.
# Stand-ins: the interop seam answers only as gpgconf.exe, the relay's
# --probe finds every pipe, gpgconf on PATH names the sockets.
mkdir -m 700 "$T/bin"
cat >"$T/bin/interop" <<'SH'
#!/bin/sh
[ "$1" = gpgconf.exe ] || exit 1
[ "$2" = --list-dirs ] || exit 0
printf 'agent-socket:C%%3a\\g\\S.gpg-agent\r\n'
printf 'agent-extra-socket:C%%3a\\g\\S.gpg-agent.extra\r\n'
SH
cat >"$T/bin/relay" <<'SH'
#!/bin/sh
shift
for n; do printf '%s\tpresent\t0\tthere\n' "$n"; done
SH
chmod 755 "$T/bin/interop" "$T/bin/relay"
# check3 N AGENT EXTRA: check with gpgconf naming these sockets finds N
# built-in routes.
check3() {
	printf '#!/bin/sh\necho \047agent-socket:%s\047\necho \047agent-extra-socket:%s\047\n' \
		"$2" "$3" >"$T/bin/gpgconf"
	chmod 755 "$T/bin/gpgconf"
	NPIPEROUTER_INTEROP_PREFIX=$T/bin/interop NPIPEROUTER_RELAY=$T/bin/relay \
		PATH=$T/bin:$PATH "$NPIPEROUTER" check >"$T/check3.out" 2>"$T/check3.err" ||
		fail "check with gpgconf saying $2, $3: $(cat "$T/check3.out" "$T/check3.err")"
	grep -qx "$default: no such file; $1 built-in route(s) for the Windows services found, OK" \
		"$T/check3.out" || fail "check said: $(cat "$T/check3.out" "$T/check3.err")"
}
# Percent-escaped too ("%24" is "$").
mkdir -m 700 "$T/g"
check3 3 "$T/g/S.gpg-agent" "$T/a%24{HOME}/S.gpg-agent.extra"
grep -q "^gpg-agent: $T/g/S.gpg-agent " "$T/check3.out" || fail "gpg-agent: $(cat "$T/check3.out")"
grep -q "built-in route \"gpg-agent-extra\": skipped: .*\\\${" "$T/check3.err" ||
	fail "no line for gpg-agent-extra: $(cat "$T/check3.err")"
check3 2 "$T/a\${HOME}/S.gpg-agent" "$T/g/S.gpg-agent.extra"
grep -q "built-in routes \"gpg-agent\", \"gpg-agent-extra\": skipped: .*\\\${" "$T/check3.err" ||
	fail "no line for the gpg routes: $(cat "$T/check3.err")"
log "a gpgconf socket path holding \${ skips its route, not the built-in routes"

# gpgconf names a socket the config refuses: a ".." component (from a
# GNUPGHOME so written, as gpgconf prints it) or a path too long for a
# socket (a deep GNUPGHOME, no /run/user). That route is skipped, saying
# why in the config's words; the other built-in routes still load.
long=$T/g/$(printf 'x%.0s' {1..120})/S.gpg-agent.extra
check3 3 "$T/g/../g/S.gpg-agent" "$T/g/S.gpg-agent.extra"
grep -q "built-in route \"gpg-agent\": skipped: .*\"\.\.\" component" "$T/check3.err" ||
	fail "no line for gpg-agent: $(cat "$T/check3.err")"
grep -q "^gpg-agent-extra: $T/g/S.gpg-agent.extra " "$T/check3.out" ||
	fail "gpg-agent-extra: $(cat "$T/check3.out")"
check3 3 "$T/g/S.gpg-agent" "$long"
grep -q "built-in route \"gpg-agent-extra\": skipped: .*the limit is" "$T/check3.err" ||
	fail "no line for gpg-agent-extra: $(cat "$T/check3.err")"
log "a gpgconf socket path the config refuses (\"..\", too long) skips its route, not the built-in routes"

# Linux's gpg never ran: gpgconf names sockets in a folder nothing made
# yet. The gpg routes are skipped, saying so; docker and ssh-agent
# still load, and `run` serves them instead of failing on the folder.
check3 2 "$T/nogpg/S.gpg-agent" "$T/nogpg/S.gpg-agent.extra"
for r in gpg-agent gpg-agent-extra; do
	grep -q "built-in route \"$r\": skipped: .*$T/nogpg does not exist" "$T/check3.err" ||
		fail "no line for $r: $(cat "$T/check3.err")"
done
bg router2 env NPIPEROUTER_INTEROP_PREFIX="$T/bin/interop" \
	NPIPEROUTER_RELAY="$T/bin/relay" PATH="$T/bin:$PATH" "$NPIPEROUTER" run
ROUTER_PID=$BG_PID
ready2() {
	grep -q "ready: 2 route(s)" "$T/router2.err" && return 0
	alive "$ROUTER_PID" || fail "run exited: $(cat "$T/router2.err")"
	return 1
}
wait_until 20 "the router to serve docker and ssh-agent" ready2
"$NPIPEROUTER" stop >/dev/null || fail "stop"
wait_exit "$ROUTER_PID" 20
((EXIT_STATUS == 0)) || fail "run exited $EXIT_STATUS: $(cat "$T/router2.err")"
log "a gpg socket folder that does not exist skips the gpg routes, not the instance"

# `config --print > FILE` as the README says: the shell makes FILE, empty,
# before npiperouter runs. That is not a config without routes: the
# built-in routes go into FILE, and check then loads them from it. As a
# user of this test's own (root's default file is in /etc), with copies
# of the stand-ins it can run.
need setpriv
uid=$((3200000 + $$ % 100000))
chmod 711 "$T"
mkdir -m 700 "$T/u"
mkdir -m 700 "$T/u/home" "$T/u/rt" "$T/u/bin"
cp "$T/bin/interop" "$T/bin/relay" "$T/u/bin/"
printf '#!/bin/sh\necho agent-socket:%s\necho agent-extra-socket:%s\n' \
	"$T/u/rt/S.gpg-agent" "$T/u/rt/S.gpg-agent.extra" >"$T/u/bin/gpgconf"
chmod 755 "$T/u/bin"/*
chown -R "$uid:$uid" "$T/u"
as_user() {
	env -i PATH="$T/u/bin:/usr/bin:/bin" HOME="$T/u/home" XDG_RUNTIME_DIR="$T/u/rt" \
		NPIPEROUTER_INTEROP_PREFIX="$T/u/bin/interop" NPIPEROUTER_RELAY="$T/u/bin/relay" \
		NPIPEROUTER_PLUGIN_DIR="$NPIPEROUTER_PLUGIN_DIR" \
		setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}
ufile=$T/u/home/.config/npiperouter/npiperouter.conf
as_user sh -c 'mkdir -p "$HOME/.config/npiperouter" &&
	"$1" config --print >"$HOME/.config/npiperouter/npiperouter.conf"' sh \
	"$NPIPEROUTER" 2>"$T/print3.err" || fail "config --print > $ufile failed: $(cat "$T/print3.err")"
for r in docker ssh-agent gpg-agent gpg-agent-extra; do
	grep -q "name = \"$r\"" "$ufile" || fail "$ufile lacks route $r: $(cat "$ufile")"
done
as_user "$NPIPEROUTER" check >"$T/check4.out" 2>&1 || fail "check of the saved file: $(cat "$T/check4.out")"
grep -qx "$ufile: 4 route(s), OK" "$T/check4.out" || fail "check said: $(cat "$T/check4.out")"
log "config --print > the default file saves the built-in routes into it"
