#!/bin/bash
# A relay's stderr reaches the log escaped (hostile review item 8): a
# terminal title sequence and colour codes are logged as \xNN, not as the
# bytes a terminal showing the log (or `start`'s log tail) would obey, and
# a NUL does not cut its line. CRLF line ends (a Windows relay's) are
# line ends, not an escaped CR.
. "$(dirname "$0")/lib.sh"
need sh

cat >"$T/relay.sh" <<'SH'
#!/bin/sh
printf 'A\033]0;owned-title\007B \033[31mred\033[0m\n' >&2
printf 'before-nul\000after-nul\n' >&2
printf 'windows line\r\n' >&2
echo done
SH
chmod 755 "$T/relay.sh"
cat >"$T/r.conf" <<CONF
relay = { path = "$T/relay.sh"; };
routes = ( { name = "esc"; listen = { path = "$T/esc.sock"; }; pipe = "x"; } );
CONF
start_router "$T/r.conf" "$T/esc.sock"
client 30 "$T/esc.sock" --expect-bytes 5 || fail "the session failed (status $?)"
wait_log 10 'route "esc" #1: relay exited'

grep -qaP '[\x00-\x08\x0b-\x1f\x7f]' "$ROUTER_LOG" &&
	fail "the log holds raw control bytes: $(grep -aP '[\x00-\x08\x0b-\x1f\x7f]' "$ROUTER_LOG" | cat -v)"
log_has 'route "esc" #1: relay: A\x1b]0;owned-title\x07B \x1b[31mred\x1b[0m' ||
	fail "the escape sequences were not logged escaped: $(grep -a 'relay: A' "$ROUTER_LOG" | cat -v)"
log_has 'route "esc" #1: relay: before-nul\x00after-nul' ||
	fail "the NUL cut the line: $(grep -a 'before-nul' "$ROUTER_LOG" | cat -v)"
grep -qE 'route "esc" #1: relay: windows line$' "$ROUTER_LOG" ||
	fail "a CRLF line: $(grep -a 'windows line' "$ROUTER_LOG" | cat -v)"
log "control bytes logged as \\xNN; NUL kept; CRLF taken as a line end"
log "ok"
