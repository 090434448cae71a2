#!/bin/bash
# Socket activation: systemd-socket-activate binds two sockets, names them
# after routes (in the opposite order of the config) and starts the real
# `npiperouter run` on the first connection. The router must serve each
# socket as the route of that name without binding it again, bind the
# third route itself, and on SIGTERM leave the passed sockets alone (they
# belong to systemd, which keeps listening) while removing its own.
. "$(dirname "$0")/../integration/lib.sh"
need socat systemd-socket-activate

start_backend docker-backend echo "$T/docker-backend.sock" --log "$T/docker-backend.log"
start_backend agent-backend echo "$T/agent-backend.sock" --log "$T/agent-backend.log"
start_backend gpg-backend echo "$T/gpg-backend.sock" --log "$T/gpg-backend.log"
cat >"$T/r.conf" <<CONF
relay = { path = "$SOCAT"; };
routes = (
  { name = "docker";
    listen = { path = "$T/docker.sock"; };
    relay_args = [ "-t", "10", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/docker-backend.sock";
  },
  { name = "ssh-agent";
    listen = { path = "$T/agent.sock"; };
    relay_args = [ "-t", "10", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/agent-backend.sock";
  },
  { name = "gpg";
    listen = { path = "$T/gpg.sock"; };
    relay_args = [ "-t", "10", "$STDIO" ];
    pipe = "UNIX-CONNECT:$T/gpg-backend.sock";
  }
);
CONF
# systemd-socket-activate passes on only PATH, HOME and TERM (and -E).
bg router systemd-socket-activate -l "$T/agent.sock" -l "$T/docker.sock" \
	--fdname=ssh-agent:docker -E XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
	"$NPIPEROUTER" run -c "$T/r.conf" -v
ROUTER_PID=$BG_PID
ROUTER_LOG=$T/router.err
wait_until 10 "systemd-socket-activate to bind" \
	eval '[[ -S $T/agent.sock && -S $T/docker.sock ]]'
inode_docker=$(stat -c %i "$T/docker.sock")
inode_agent=$(stat -c %i "$T/agent.sock")
[[ ! -e $T/gpg.sock ]] || fail "gpg.sock exists before the router started"

# The first connection starts the router (exec in place: same pid) and
# must be served, not lost.
client 20 "$T/docker.sock" --send-random 256K --send-copy "$T/docker.sent" \
	--out "$T/docker.got" --expect-bytes 256K ||
	fail "traffic through the activating connection (docker) failed (status $?)"
same_file "$T/docker.sent" "$T/docker.got"
log_has 'route "docker": using the socket passed by systemd' ||
	fail "the router did not take the socket named docker"
log_has 'route "ssh-agent": using the socket passed by systemd' ||
	fail "the router did not take the socket named ssh-agent"
wait_until 10 "the router to bind gpg.sock itself" _listening "$ROUTER_PID" "$T/gpg.sock" router

client 20 "$T/agent.sock" --send-random 64K --send-copy "$T/agent.sent" \
	--out "$T/agent.got" --expect-bytes 64K ||
	fail "traffic through ssh-agent failed (status $?)"
same_file "$T/agent.sent" "$T/agent.got"
client 20 "$T/gpg.sock" --send-random 64K --send-copy "$T/gpg.sent" \
	--out "$T/gpg.got" --expect-bytes 64K ||
	fail "traffic through gpg (bound by the router) failed (status $?)"
same_file "$T/gpg.sent" "$T/gpg.got"

# Each socket reached its own route's backend, once: names, not order.
for b in docker agent gpg; do
	n=$(grep -c '^accept' "$T/$b-backend.log" || true)
	((n == 1)) || fail "$b backend saw $n connection(s), expected 1: $(cat "$T/$b-backend.log")"
done
[[ $(stat -c %i "$T/docker.sock") == "$inode_docker" ]] || fail "docker.sock was bound again"
[[ $(stat -c %i "$T/agent.sock") == "$inode_agent" ]] || fail "agent.sock was bound again"

kill -TERM "$ROUTER_PID"
wait_exit "$ROUTER_PID" 20
((EXIT_STATUS == 0)) || fail "router exited with $EXIT_STATUS on SIGTERM"
[[ ! -e $T/gpg.sock ]] || fail "the router left its own gpg.sock behind"
[[ -S $T/docker.sock && -S $T/agent.sock ]] ||
	fail "the router removed a socket systemd passed in (it must stay for the next activation)"
log "ok"
