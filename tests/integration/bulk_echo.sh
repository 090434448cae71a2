#!/bin/bash
# 16 MiB of random bytes each way through client -> router -> socat ->
# echo backend and back; the reply must match byte for byte.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "bulk";
    listen = { path = "$T/bulk.sock"; };
    relay_args = [ "-t", "10", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/backend.sock";
  }
);
CONF
start_router "$T/r.conf" "$T/bulk.sock"

client 60 "$T/bulk.sock" --send-random 16M --send-copy "$T/sent" \
	--out "$T/received" --expect-bytes 16M ||
	fail "client failed (status $?)"
same_file "$T/sent" "$T/received"
[[ $(stat -c %s "$T/sent") == 16777216 ]] || fail "sent only $(stat -c %s "$T/sent") bytes"
log "ok: 16 MiB each way, SHA-256 $(sha "$T/received")"
