#!/bin/bash
# `npiperouter doctor` on what competes with the routes or bypasses them,
# each finding with what to run:
#   1. a real gpg-agent listening at a gpg route's path (as systemd's
#      gpg-agent.socket does) is named, with the systemctl mask advice;
#      the route npiperouter itself serves is not;
#   2. SSH_AUTH_SOCK unset, elsewhere, or at the ssh-agent route;
#   3. DOCKER_HOST elsewhere or at the docker route; without it, the
#      docker CLI's current context from a config.json in a fake HOME
#      (DOCKER_CONTEXT first), "default" meaning /var/run/docker.sock.
. "$(dirname "$0")/lib.sh"
need gpg-agent gpgconf gpg-connect-agent jq

# doctor OUT [VAR=VALUE...]: the doctor's findings in $T/OUT (its exit
# status does not matter here: the pipes of these routes do not exist).
doctor() {
	local out=$1
	shift
	env "$@" "$NPIPEROUTER" doctor -c "$T/router.conf" >"$T/$out" 2>&1 || true
}
has() {
	grep -qF -- "$2" "$T/$1" || fail "$1: no line with '$2' in:
$(cat "$T/$1")"
}
hasnt() {
	! grep -qF -- "$2" "$T/$1" || fail "$1: a line with '$2' in:
$(cat "$T/$1")"
}

# --- 1. a local gpg-agent at a gpg route's path ---
start_gpg_agent
agent_sock=$(gpgconf --list-dirs agent-socket)
[[ -S $agent_sock ]] || fail "gpg-agent made no socket at $agent_sock"
agent_pid=$(gpg-connect-agent --no-autostart 'GETINFO pid' /bye | sed -n 's/^D //p')
[[ $agent_pid =~ ^[0-9]+$ ]] || fail "gpg-agent's pid: '$agent_pid'"

cat >"$T/router.conf" <<CONF
routes = (
$(route gpg '{ name = "assuan"; }' "//./pipe/gpg"),
$(route ssh '{ name = "ssh-agent"; }' "//./pipe/openssh-ssh-agent"),
$(route docker '{ name = "docker"; }' "//./pipe/docker_engine")
);
CONF
# The gpg route where gpg-agent listens (what gpgconf tells gpg to use).
sed -i "s|listen = { path = \"$T/gpg.sock\"; };|listen = { path = \"$agent_sock\"; };|" "$T/router.conf"
grep -qF "$agent_sock" "$T/router.conf" || fail "could not point the gpg route at $agent_sock"

doctor gpg1
has gpg1 "FAIL  route \"gpg\": $agent_sock is held by gpg-agent (pid $agent_pid), not npiperouter: a local gpg-agent competes"
has gpg1 'run "systemctl --user mask --now gpg-agent.socket gpg-agent-extra.socket gpg-agent-browser.socket gpg-agent-ssh.socket" (with systemd) and "gpgconf --kill gpg-agent"'
hasnt gpg1 "systemd's gpg-agent"
log "a gpg-agent at the gpg route's path is named, with the mask advice"

# systemd's gpg-agent sockets active (they take the path at the next
# login). No user manager runs here, so this systemctl is a stand-in (a
# mock: the one part of this test without its real peer) answering
# is-active for the four units as a user manager with two active would.
mkdir "$T/fakebin"
printf '#!/bin/sh
[ "$*" = "--user is-active gpg-agent.socket gpg-agent-extra.socket gpg-agent-browser.socket gpg-agent-ssh.socket" ] || exit 9
printf "active\\ninactive\\ninactive\\nactive\\n"
exit 3
' \
	>"$T/fakebin/systemctl"
chmod +x "$T/fakebin/systemctl"
doctor units PATH="$T/fakebin:$PATH"
has units "warn  systemd's gpg-agent.socket, gpg-agent-ssh.socket are active: a local gpg-agent then holds the gpg sockets npiperouter is to serve; run \"systemctl --user mask --now gpg-agent.socket gpg-agent-extra.socket gpg-agent-browser.socket gpg-agent-ssh.socket\""
log "active gpg-agent socket units are named, with the mask advice"

# Without gpg-agent, the router takes the path and is no competitor.
GNUPGHOME=$GNUPGHOME gpgconf --kill gpg-agent
wait_until 10 "gpg-agent to exit" eval "! kill -0 $agent_pid 2>/dev/null"
start_router "$T/router.conf" "$agent_sock" "$T/ssh.sock" "$T/docker.sock"
doctor gpg2
has gpg2 "ok    route \"gpg\": $agent_sock, mode 0600, listening"
has gpg2 "ok    route \"ssh\": $T/ssh.sock, mode 0600, listening"
hasnt gpg2 "is held by"
log "the router's own sockets are not taken for competitors"

# --- 2. SSH_AUTH_SOCK ---
doctor ssh1 -u SSH_AUTH_SOCK
has ssh1 "warn  SSH_AUTH_SOCK is not set, so ssh does not use route \"ssh\": export SSH_AUTH_SOCK=$T/ssh.sock"
doctor ssh2 SSH_AUTH_SOCK=/tmp/ssh-elsewhere/agent.1
has ssh2 "warn  SSH_AUTH_SOCK=/tmp/ssh-elsewhere/agent.1 is not route \"ssh\", so ssh uses another agent: export SSH_AUTH_SOCK=$T/ssh.sock"
ln -s "$T/ssh.sock" "$T/ssh-link"
doctor ssh3 SSH_AUTH_SOCK="$T/ssh-link"
has ssh3 "ok    SSH_AUTH_SOCK is route \"ssh\" ($T/ssh.sock)"
log "SSH_AUTH_SOCK: unset, elsewhere and ours (through a link) told apart"

# --- 3. docker ---
H=$T/home
mkdir -p "$H/.docker/contexts/meta/0123abcd"
doctor dk1 -u DOCKER_CONTEXT -u DOCKER_CONFIG HOME="$H" DOCKER_HOST=tcp://10.0.0.1:2375
has dk1 "warn  DOCKER_HOST=tcp://10.0.0.1:2375 is not route \"docker\", so docker talks to another engine: export DOCKER_HOST=unix://$T/docker.sock"
doctor dk2 -u DOCKER_CONTEXT -u DOCKER_CONFIG HOME="$H" DOCKER_HOST="unix://$T/docker.sock"
has dk2 "ok    docker uses route \"docker\" (unix://$T/docker.sock)"
# No DOCKER_HOST, no config.json: the default context.
doctor dk3 -u DOCKER_CONTEXT -u DOCKER_CONFIG -u DOCKER_HOST HOME="$H"
has dk3 "warn  DOCKER_HOST is not set and the docker context is \"default\", so docker talks to unix:///var/run/docker.sock, not route \"docker\": export DOCKER_HOST=unix://$T/docker.sock"
# A current context elsewhere (Docker Desktop's own, say).
jq -n '{auths: {}, currentContext: "desktop-linux", plugins: {x: [1, {a: "b"}]}}' >"$H/.docker/config.json"
jq -n '{Name: "desktop-linux", Metadata: {Description: "x"}, Endpoints: {docker: {Host: "unix:///root/.docker/desktop/docker.sock", SkipTLSVerify: false}}}' \
	>"$H/.docker/contexts/meta/0123abcd/meta.json"
doctor dk4 -u DOCKER_CONTEXT -u DOCKER_CONFIG -u DOCKER_HOST HOME="$H"
has dk4 "warn  docker context \"desktop-linux\" (from $H/.docker/config.json) is current, so docker talks to unix:///root/.docker/desktop/docker.sock, not route \"docker\": run \"docker context use default\" and export DOCKER_HOST=unix://$T/docker.sock (or \"docker context create npiperouter --docker host=unix://$T/docker.sock\" and \"docker context use npiperouter\")"
# A context that is the route.
mkdir -p "$H/.docker/contexts/meta/4567ef"
jq -n --arg h "unix://$T/docker.sock" '{Name: "npiperouter", Endpoints: {docker: {Host: $h}}}' \
	>"$H/.docker/contexts/meta/4567ef/meta.json"
doctor dk5 -u DOCKER_CONFIG -u DOCKER_HOST HOME="$H" DOCKER_CONTEXT=npiperouter
has dk5 "ok    docker uses route \"docker\" (unix://$T/docker.sock, context \"npiperouter\")"
# A current context that has no meta.json.
doctor dk6 -u DOCKER_CONFIG -u DOCKER_HOST HOME="$H" DOCKER_CONTEXT=gone
has dk6 "warn  docker context \"gone\" (from DOCKER_CONTEXT) is current, but its endpoint is unknown (no context of that name in $H/.docker/contexts/meta)"
# DOCKER_CONFIG names the folder.
mv "$H/.docker" "$T/dockercfg"
doctor dk7 -u DOCKER_CONTEXT -u DOCKER_HOST HOME="$H" DOCKER_CONFIG="$T/dockercfg"
has dk7 "docker context \"desktop-linux\" (from $T/dockercfg/config.json) is current"
log "DOCKER_HOST, DOCKER_CONTEXT and config.json's currentContext are read as docker reads them"
log "ok"
