#!/bin/bash
# assuan_bridge.sh FORMAT NONCE_HEX AGENT_SOCKET: run by socat for each TCP
# connection (stdin/stdout are that connection). Plays the server side of
# a libassuan socket file, as gpg-agent on Windows does: checks the
# 16-byte nonce, and for the Cygwin format echoes it and swaps 8 bytes of
# credentials, then hands the connection to the real agent's unix socket.
set -euo pipefail
format=$1 nonce=$2 agent=$3

got=$(dd bs=16 count=1 iflag=fullblock status=none | od -An -tx1 | tr -d ' \n')
if [[ $got != "$nonce" ]]; then
	echo "assuan_bridge: bad nonce $got" >&2
	exit 1
fi
if [[ $format == cygwin ]]; then
	printf "$(sed 's/../\\x&/g' <<<"$nonce")"
	dd bs=8 count=1 iflag=fullblock status=none >/dev/null
	printf '\000\000\000\000\000\000\000\000'
fi
echo "assuan_bridge: $format handshake ok" >&2
exec socat -t 30 - "UNIX-CONNECT:$agent"
