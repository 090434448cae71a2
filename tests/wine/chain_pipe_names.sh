#!/bin/bash
# The whole chain with the pipe names a route may give nprelay.exe
# (npiperouter.conf(5) "pipe"): the backslash form, written with
# libconfig's escapes as "\\\\.\\pipe\\NAME"; "PIPE" in capitals with
# both slashes; and a NAME with characters Windows forbids in file names
# (< > : | ? * ") but allows in pipe names. Each reaches its pipe server
# and echoes 64 KiB. `check` accepts each with nprelay.exe as the relay.
. "$(dirname "$0")/lib.sh"
chain_init

# libconf STRING: STRING as a libconfig string's contents.
libconf() {
	local s=${1//\\/\\\\}
	printf '%s' "${s//\"/\\\"}"
}
base=$(pipe_name x)
base=${base#//./pipe/}
declare -A name=(
	[bs]="\\\\.\\pipe\\$base-bs"
	[mixed]="\\\\.\\PIPE/$base-mixed"
	[odd]="//./pipe/$base-a<b>:|?*\"c"
)
for r in bs mixed odd; do
	start_pipesrv "$r" --name "${name[$r]}" --mode msg
done
{
	echo 'routes = ('
	sep=''
	for r in bs mixed odd; do
		printf '%s' "$sep"
		route "$r" "$(libconf "${name[$r]}")" -ep -s
		sep=$',\n'
	done
	echo ');'
} >"$T/r.conf"

# What check says of these names with nprelay.exe itself as relay.path
# (the routes above run it through wine, which check leaves alone).
sed "s|relay = { path = \"[^\"]*\"; };|relay = { path = \"$NPRELAY_EXE\"; };|" \
	"$T/r.conf" >"$T/check.conf"
grep -qF "path = \"$NPRELAY_EXE\"" "$T/check.conf" || fail "no relay.path to replace in: $(cat "$T/r.conf")"
"$NPIPEROUTER" check -c "$T/check.conf" >"$T/check.out" 2>&1 || fail "check: $(cat "$T/check.out")"
for r in bs mixed odd; do
	grep -qF -- "-> ${name[$r]} via $NPRELAY_EXE" "$T/check.out" ||
		fail "check does not show ${name[$r]} as written: $(cat "$T/check.out")"
done
ok "check: the three names, as written, with nprelay.exe as the relay"

start_router "$T/r.conf" "$T/bs.sock" "$T/mixed.sock" "$T/odd.sock"
for r in bs mixed odd; do
	client 60 "$T/$r.sock" --send-random 64K --send-copy "$T/$r.sent" \
		--out "$T/$r.received" --expect-bytes 64K ||
		fail "$r (${name[$r]}): client failed (status $?)"
	cmp -s "$T/$r.sent" "$T/$r.received" || fail "$r (${name[$r]}): the echo differs"
	wait_server "$r" "eof-msg 65536"
	ok "${name[$r]}: 64 KiB echoed through the router and nprelay.exe"
done
