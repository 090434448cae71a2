# Sourced by the docker adapter's tests after lib.sh: routes whose relay is
# socat to a unix socket, and running the docker CLI against a socket.

need docker

# socat's stdio side: "-" would not pass the engine's EOF on until socat
# exits; shut-down makes it shutdown(SHUT_WR) at once (see
# tests/integration/lib.sh).
SOCAT=$(command -v socat)

# docker_route NAME ADAPTER_GROUP ENGINE_SOCKET: a route to the engine.
docker_route() {
	cat <<-CONF
	  { name = "$1";
	    listen = { path = "$T/$1.sock"; };
	    relay = { path = "$SOCAT"; };
	    relay_args = [ "STDIO,shut-down" ];
	    pipe = "UNIX-CONNECT:$3";
	    adapter = $2; }
	CONF
}

# dk SOCKET ARGS...: the docker CLI against SOCKET, with a config folder
# of its own; its stdout is printed, its stderr goes to $T/docker.err.
dk() {
	local sock=$1
	shift
	DOCKER_CONFIG=$T/docker-config DOCKER_HOST=unix://$sock \
		timeout 60 docker "$@" 2>"$T/docker.err"
}

# dk_ok SOCKET ARGS...: dk that must succeed.
dk_ok() {
	dk "$@" || fail "docker ${*:2} failed: $(cat "$T/docker.err")"
}
