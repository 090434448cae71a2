#!/bin/bash
# A relay that exits at once (successfully or not): the client gets EOF
# promptly, the exit is logged, and the router goes on serving.
. "$(dirname "$0")/lib.sh"
need socat true false

start_backend echo echo "$T/backend.sock"
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "true";
    listen = { path = "$T/true.sock"; };
    relay = { path = "$(type -P true)"; };
    pipe = "x";
  },
  { name = "false";
    listen = { path = "$T/false.sock"; };
    relay = { path = "$(type -P false)"; };
    pipe = "x";
  },
  { name = "good";
    listen = { path = "$T/good.sock"; };
    relay_args = [ "-t", "30", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/backend.sock";
  }
);
CONF
start_router "$T/r.conf" "$T/true.sock" "$T/false.sock" "$T/good.sock"

echo "hello" >"$T/in"
# Once without sending (pure EOF), once sending into the dead child: that
# client goes on sending after EOF and ends only if the router closes it.
client 5 "$T/true.sock" --no-shutdown --expect-bytes 0 ||
	fail "relay /bin/true: client saw no EOF (status $?)"
client 5 "$T/true.sock" --send-random 1G --rate 64M --no-shutdown --allow-reset \
	--expect-bytes 0 || fail "relay /bin/true: client sending saw no EOF (status $?)"
client 5 "$T/false.sock" --no-shutdown --allow-reset --expect-bytes 0 ||
	fail "relay /bin/false: client saw no EOF (status $?)"
wait_log_count 5 2 'route "true" #[0-9]+: relay exited with status 0( |$)'
wait_log_count 5 1 'route "false" #[0-9]+: relay exited with status 1( |$)'

client 10 "$T/good.sock" --send "$T/in" --out "$T/out" || fail "good route failed (status $?)"
same_file "$T/in" "$T/out"
wait_until 5 "no relay child left" no_children "$ROUTER_PID"
log "ok"
