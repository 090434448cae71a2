#!/bin/bash
# The assuan adapter through Wine: npiperouter -> wine nprelay.exe -a ->
# a libassuan socket file written by this test, in the native and in the
# Cygwin format, -> TCP (nonce checked, Cygwin handshake done) -> the real
# gpg-agent in a throw-away GNUPGHOME.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wine/lib.sh"
need gpg-agent gpg-connect-agent gpgconf

start_gpg_agent
sock=$(gpgconf --list-dirs agent-socket)
version=$(gpg-agent --version | head -n 1 | awk '{ print $NF }')

nonce=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
routes=()
for fmt in native cygwin; do
	tcp_forward "tcp-$fmt" "EXEC:bash $WINE_DIR/assuan_bridge.sh $fmt $nonce $sock"
	f=$T/S.$fmt
	if [[ $fmt == native ]]; then
		{ printf '%s\n' "$PORT"; printf "$(sed 's/../\\x&/g' <<<"$nonce")"; } >"$f"
	else
		# Four little-endian words of the nonce, as libassuan writes them.
		words=$(sed -E 's/(..)(..)(..)(..)/\4\3\2\1 /g' <<<"$nonce")
		printf '!<socket >%s s %s-%s-%s-%s\0' "$PORT" $words >"$f"
	fi
	# Forward slashes: libconfig strings take backslashes as escapes.
	routes+=("$(wine_route "gpg-$fmt" '{ name = "assuan"; allow_commands = [ "GETINFO" ]; }' "Z:$f" -ei -a)")
done
{
	echo "routes = ("
	printf '%s\n,\n' "${routes[0]}"
	printf '%s\n' "${routes[1]}"
	echo ");"
} >"$T/router.conf"
start_router "$T/router.conf" "$T/gpg-native.sock" "$T/gpg-cygwin.sock"

for fmt in native cygwin; do
	out=$(timeout 60 gpg-connect-agent --no-autostart -S "$T/gpg-$fmt.sock" \
		'GETINFO version' 'KEYINFO --list' 'GETINFO version' /bye 2>"$T/connect.err") ||
		fail "$fmt: gpg-connect-agent failed: $(cat "$T/connect.err")"
	want=$'D '"$version"$'\nOK\nERR 67109115 Forbidden <GPG Agent>\nD '"$version"$'\nOK'
	[[ $out == "$want" ]] || fail "$fmt: got:
$out
not:
$want"
	grep -q "assuan_bridge: $fmt handshake ok" "$T/tcp-$fmt.err" ||
		fail "$fmt: the nonce handshake did not happen: $(cat "$T/tcp-$fmt.err")"
	log "$fmt socket file: GETINFO answered by gpg-agent $version, KEYINFO forbidden"
done
wait_log 5 "assuan: forbidden command KEYINFO"
router_alive
log "ok"
