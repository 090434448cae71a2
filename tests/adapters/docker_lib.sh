# Sourced by the docker adapter's tests after lib.sh: routes whose relay is
# socat to a unix socket, and running the docker CLI against a socket.

need docker

# socat's stdio side: "-" would not pass the engine's EOF on until socat
# exits; shut-down makes it shutdown(SHUT_WR) at once (see
# tests/integration/lib.sh).
SOCAT=$(command -v socat)

# How docker_route reaches the engine (NPR_TEST_MODE, as in
# tests/integration/lib.sh): spawn (default), socat per connection; mux,
# the stand-in mux relay (tests/tools' nptest-muxrelay) for the route.
DOCKER_TEST_MODE=${NPR_TEST_MODE:-spawn}
case $DOCKER_TEST_MODE in
spawn) ;;
mux) need_env NPTEST_MUXRELAY -x "the stand-in mux relay (NPR_TEST_MODE=mux)" ;;
*) fail "NPR_TEST_MODE must be spawn or mux, not '$DOCKER_TEST_MODE'" ;;
esac

# docker_route NAME ADAPTER_GROUP ENGINE_SOCKET: a route to the engine.
# socat gives the engine only -t seconds (0.5 by default) after the CLI's
# half-close (docker exec, run -i and attach send one) before it exits,
# dropping every later byte and the exit code with it: 30 s. The mux
# relay's -s is socat's shut-down: the CLI's EOF becomes the engine's.
docker_route() {
	if [[ $DOCKER_TEST_MODE == mux ]]; then
		cat <<-CONF
		  { name = "$1";
		    listen = { path = "$T/$1.sock"; };
		    relay = { path = "$NPTEST_MUXRELAY"; };
		    mode = "mux";
		    relay_args = [ "-s" ];
		    pipe = "$3";
		    adapter = $2; }
		CONF
		return
	fi
	cat <<-CONF
	  { name = "$1";
	    listen = { path = "$T/$1.sock"; };
	    relay = { path = "$SOCAT"; };
	    relay_args = [ "-t", "30", "STDIO,shut-down" ];
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

# start_podman: podman's Docker API service (`podman system service`) on
# $T/podman.sock, its storage, network config, events and temporary files
# under $T, its working folder $T/engine-cwd; stopped at exit.
start_podman() {
	need podman unshare
	((EUID == 0)) ||
		fail "podman's Docker API service is run rootful here: run as root"
	mkdir -p "$T/engine-cwd" "$T/podman-tmp" "$T/net"
	# runc sets the containers' open-files and process limits, by default
	# above what this machine's hard limits may allow ("error setting
	# rlimit type 7", "type 6").
	local nofile nproc
	nofile=$(ulimit -Hn)
	[[ $nofile == unlimited || $nofile -gt 20000 ]] && nofile=20000
	nproc=$(ulimit -Hu)
	[[ $nproc == unlimited || $nproc -gt 20000 ]] && nproc=20000
	cat >"$T/containers.conf" <<-CONF
	[containers]
	default_ulimits = [ "nofile=$nofile:$nofile", "nproc=$nproc:$nproc" ]
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	events_logfile_path = "$T/podman-events.log"
	tmp_dir = "$T/podman-tmp"
	[network]
	network_config_dir = "$T/net"
	CONF
	cat >"$T/storage.conf" <<-CONF
	[storage]
	driver = "vfs"
	graphroot = "$T/podman-root"
	runroot = "$T/podman-run"
	CONF
	export CONTAINERS_CONF=$T/containers.conf
	export CONTAINERS_STORAGE_CONF=$T/storage.conf
	# Its API writes uploads (docker import, load) to TMPDIR, else /var/tmp.
	export TMPDIR=$T/podman-tmp
	# Copying images writes a cache at a fixed place,
	# /var/lib/containers/cache for root: podman gets a /var/lib of its
	# own, a tmpfs in a mount namespace of its own, gone with it.
	# Each container's conmon daemonizes, leaving the test's process tree
	# (its parent becomes init) with the container's processes below it:
	# podman runs as the first process of a PID namespace of its own, and
	# when it dies (the test's cleanup kills it, --kill-child when unshare
	# dies first) the kernel kills every process of that namespace.
	# Containers on podman's default network get a bridge, veth pairs and
	# iptables rules: in a network namespace of its own, gone with it too
	# (its API socket is a file, reachable from any network namespace).
	# Its container locks live in /dev/shm/libpod_lock, shared by every
	# rootful podman of the machine and never freed for containers whose
	# storage a test deletes: after enough runs "exceeded num_locks
	# (2048)". A /dev/shm of its own, gone with it.
	local ns=(-m --propagation private -p -f --mount-proc --kill-child -n)
	unshare "${ns[@]}" true 2>/dev/null ||
		fail "unshare ${ns[*]} does not work here: podman cannot get a private /var/lib, PID and network namespace"
	# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
	bg podman unshare "${ns[@]}" sh -c \
		'mount -t tmpfs npr-podman /var/lib &&
		mount -t tmpfs npr-podman-shm /dev/shm && cd "$1" &&
		exec podman system service --time=0 "unix://$2"' podman \
		"$T/engine-cwd" "$T/podman.sock"
	PODMAN_PID=$BG_PID
	CLEANUPS+=("kill -TERM $PODMAN_PID; sleep 0.5")
	wait_until 30 "podman's socket" _listening "$PODMAN_PID" "$T/podman.sock" podman
}

# http_raw SOCKET FILE: send FILE's bytes as they are, then EOF; print
# what came back until the connection ended (at most 20 s).
http_raw() {
	timeout 20 socat -t 5 - "UNIX-CONNECT:$1" <"$2" ||
		fail "socat to $1 failed or timed out"
}

# busybox_image SOCKET NAME: import a one-binary image NAME (busybox from
# Debian's busybox-static, with sh and sleep) through SOCKET.
busybox_image() {
	need tar
	[[ -x /bin/busybox ]] || fail "no /bin/busybox: install busybox-static (see scripts/deps.sh)"
	mkdir -p "$T/bbroot/bin" "$T/bbroot/tmp"
	cp /bin/busybox "$T/bbroot/bin/busybox"
	local a
	for a in sh sleep cat touch ls true head sha256sum; do
		ln -sf busybox "$T/bbroot/bin/$a"
	done
	tar -C "$T/bbroot" -cf "$T/bbroot.tar" .
	dk_ok "$1" import "$T/bbroot.tar" "$2" >/dev/null
}

# http_post SOCKET PATH JSON: one POST with a JSON body and
# "Connection: close"; prints the whole answer.
http_post() {
	printf 'POST %s HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$2" "${#3}" "$3" >"$T/post.req"
	http_raw "$1" "$T/post.req"
}

# http_get SOCKET PATH: one GET with "Connection: close"; prints the
# whole answer.
http_get() {
	printf 'GET %s HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n' "$2" >"$T/get.req"
	http_raw "$1" "$T/get.req"
}

# status ANSWER: the status code of an HTTP answer's first line.
status() {
	head -n 1 <<<"$1" | cut -d' ' -f2
}

# OLD_DOCKER: Debian's docker.io CLI (20.10), which sends relative bind
# sources as they are written; the newer CLI makes them absolute itself.
OLD_DOCKER=/usr/bin/docker

# need_old_docker: the test needs OLD_DOCKER; fails loudly without it.
need_old_docker() {
	[[ -x $OLD_DOCKER ]] && "$OLD_DOCKER" --version | grep -q '^Docker version 20\.10\.' ||
		fail "no docker 20.10 CLI at $OLD_DOCKER: install Debian's docker.io (see scripts/deps.sh)"
}

# dk_old SOCKET ARGS...: dk with the old CLI (need_old_docker first).
dk_old() {
	local sock=$1
	shift
	DOCKER_CONFIG=$T/docker-config DOCKER_HOST=unix://$sock \
		timeout 60 "$OLD_DOCKER" "$@" 2>"$T/docker.err"
}

# start_tap: a socket $T/tap.sock in front of podman's that records every
# byte the engine is sent, on all its connections, in $T/tap.up (socat's
# -r). A mock of nothing: the engine behind it is the real one.
start_tap() {
	# -t 30: socat's 0.5 s after one side's EOF would cut an engine's
	# late answer off.
	bg tap socat -t 30 -r "$T/tap.up" "UNIX-LISTEN:$T/tap.sock,fork" \
		"UNIX-CONNECT:$T/podman.sock"
	wait_until 10 "the tap's socket" _listening "$BG_PID" "$T/tap.sock" tap
}

# tap_has TEXT: the engine was sent TEXT through the tap.
tap_has() {
	grep -aqF -- "$1" "$T/tap.up"
}
