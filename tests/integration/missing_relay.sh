#!/bin/bash
# A relay executable that is missing or not executable, or a relay.cwd
# that cannot be entered: one clear log line, the client is closed at
# once, and the router keeps serving every route.
. "$(dirname "$0")/lib.sh"
need socat

start_backend echo echo "$T/backend.sock"
printf '#!/bin/sh\nexit 0\n' >"$T/noexec"
chmod 644 "$T/noexec"
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "missing";
    listen = { path = "$T/missing.sock"; };
    relay = { path = "/no/such/relay"; };
    pipe = "whatever";
  },
  { name = "noexec";
    listen = { path = "$T/noexec.sock"; };
    relay = { path = "$T/noexec"; };
    pipe = "whatever";
  },
  { name = "nocwd";
    listen = { path = "$T/nocwd.sock"; };
    relay = { cwd = "$T/no-such-dir"; };
    relay_args = [ "-t", "30", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/backend.sock";
  },
  { name = "good";
    listen = { path = "$T/good.sock"; };
    relay_args = [ "-t", "30", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/backend.sock";
  }
);
CONF
start_router "$T/r.conf" "$T/missing.sock" "$T/noexec.sock" "$T/nocwd.sock" \
	"$T/good.sock"

echo "served" >"$T/in"
for round in 1 2; do
	# The client never half-closes: only the router can end this, and it
	# must do so promptly.
	client 5 "$T/missing.sock" --send "$T/in" --no-shutdown --allow-reset \
		--expect-bytes 0 || fail "missing relay: client not closed promptly (status $?)"
	client 5 "$T/noexec.sock" --send "$T/in" --no-shutdown --allow-reset \
		--expect-bytes 0 || fail "relay not executable: client not closed promptly (status $?)"
	client 5 "$T/nocwd.sock" --send "$T/in" --no-shutdown --allow-reset \
		--expect-bytes 0 || fail "missing relay.cwd: client not closed promptly (status $?)"
	client 10 "$T/good.sock" --send "$T/in" --out "$T/out" ||
		fail "round $round: the good route no longer serves (status $?)"
	same_file "$T/in" "$T/out"
done
wait_log_count 5 2 '^.*route "missing" #[0-9]+: cannot start relay "/no/such/relay": No such file or directory$'
wait_log_count 5 2 "^.*route \"noexec\" #[0-9]+: cannot start relay \"$T/noexec\": Permission denied\$"
wait_log_count 5 2 "^.*route \"nocwd\" #[0-9]+: cannot enter relay.cwd \"$T/no-such-dir\": No such file or directory\$"
alive "$ROUTER_PID" || fail "router died"
log "ok"
