#!/bin/bash
# The first five minutes: no config file, and `eval "$(npiperouter start
# --env)"` serves the Windows services that exist, under Wine:
#   - //./pipe/docker_engine, a message-mode pipe like Docker Desktop's
#     (docker_pipebridge.exe) bridged to podman's Docker API: the real
#     docker CLI runs a container through the DOCKER_HOST that start --env
#     printed; no
#     ssh-agent pipe yet, so no SSH_AUTH_SOCK;
#   - //./pipe/openssh-ssh-agent appears (pipebridge.exe to the real
#     ssh-agent): after `npiperouter reload` the ssh-agent route is up and
#     ssh-add lists the key through the SSH_AUTH_SOCK of `npiperouter env`;
#   - the lines are evaluated by dash, bash, fish and csh; the runtime
#     folder's name has spaces and both kinds of quotes;
#   - Gpg4win: gpgconf.exe over the interop seam is a STAND-IN
#     (tests/wine/gpgconf.c: Gpg4win does not run here) naming a libassuan
#     socket file bridged to the real gpg-agent (and records that the
#     router ran its --launch gpg-agent); the gpg routes listen where
#     Linux's gpgconf says, gpg-connect-agent is answered through them, and
#     the extra socket refuses what gpg's extra socket refuses;
#   - `config --print` writes a file that `check -c` accepts, same routes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wine/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
need docker ssh-agent ssh-add ssh-keygen gpg-agent gpg-connect-agent gpgconf \
	dash bash fish csh winepath
for v in NPR_DOCKER_PIPEBRIDGE_EXE NPR_PIPEBRIDGE_EXE; do
	[[ -n ${!v:-} && -e ${!v} ]] || fail "$v must name a built helper (got '${!v:-}')"
done
GPGCONF_EXE=${NPR_WINE_HELPERS_DIR:-}/gpgconf.exe
[[ -f $GPGCONF_EXE ]] || fail "no stand-in gpgconf.exe in NPR_WINE_HELPERS_DIR '${NPR_WINE_HELPERS_DIR:-}'"
NPR=$NPIPEROUTER

# No config file: the default one must not exist (root: /etc/...).
export HOME=$T/home XDG_CONFIG_HOME=$T/config
mkdir -m 700 "$HOME"
default=$("$NPR" --help | sed -n 's/.*config file (default: \(.*\))$/\1/p')
[[ -n $default ]] || fail "no default config file in --help"
[[ ! -e $default ]] || fail "$default exists: this test needs a machine without one"
# A runtime folder whose name a shell must quote (csh: "!" too).
export XDG_RUNTIME_DIR="$T/r t'q\"x \$!"
mkdir -m 700 "$XDG_RUNTIME_DIR"
export DOCKER_CONFIG=$T/docker-config
# The packaged relay: wine nprelay.exe (a .exe runs only through Wine).
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$WINE" "$NPRELAY_EXE" >"$T/relay.sh"
chmod +x "$T/relay.sh"
export NPIPEROUTER_RELAY=$T/relay.sh

# `start` detaches the daemon: stop it, and kill a lock holder, at exit.
zc_stop() {
	timeout 20 "$NPR" stop >/dev/null 2>&1
	local lock pid
	for lock in "$XDG_RUNTIME_DIR"/npiperouter/*.lock; do
		[[ -f $lock ]] || continue
		flock -n "$lock" true && continue
		read -r pid <"$lock" && [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid"
	done 2>/dev/null
}
CLEANUPS+=(zc_stop)
daemon_log() { cat "$XDG_RUNTIME_DIR"/npiperouter/*.log 2>/dev/null; }

# Docker Desktop's pipe, bridged to podman's Docker API.
start_podman
tcp_forward dtcp "UNIX-CONNECT:$T/podman.sock"
bg dbridge wine "$NPR_DOCKER_PIPEBRIDGE_EXE" --name //./pipe/docker_engine \
	--connect "$PORT" --timeout 220
wait_until 60 "docker_pipebridge.exe" grep -qx ready "$T/dbridge.out"

out=$("$NPR" start --env 2>"$T/start1.err") ||
	fail "start --env failed: $(cat "$T/start1.err")"
want="DOCKER_HOST='unix://$T/r t'\\''q\"x \$!/docker.sock'; export DOCKER_HOST;"
[[ $out == "$want" ]] || fail "start --env printed '$out', want '$want'"
# The instance probes, so its log says what was skipped.
daemon_log | grep -q 'built-in route "ssh-agent": skipped: //./pipe/openssh-ssh-agent absent' ||
	fail "no line for the absent ssh-agent in the log: $(daemon_log)"
[[ $(cat "$T/start1.err") == "npiperouter started (pid "* ]] ||
	fail "start --env said on stderr: $(cat "$T/start1.err")"
(
	eval "$out"
	[[ -z ${SSH_AUTH_SOCK:-} ]] || fail "SSH_AUTH_SOCK set without an agent"
	v=$(timeout 60 docker version --format '{{.Server.Version}}' 2>"$T/docker.err") ||
		fail "docker version through DOCKER_HOST failed: $(cat "$T/docker.err")"
	[[ -n $v ]] || fail "docker version: no server version"
	echo "$v" >"$T/server.version"
	busybox_image "${DOCKER_HOST#unix://}" npr/zeroconf-bb
	r=$(timeout 120 docker run --rm npr/zeroconf-bb sh -c 'echo hello from podman' 2>"$T/run.err") ||
		fail "docker run through DOCKER_HOST failed: $(cat "$T/run.err")"
	[[ $r == "hello from podman" ]] || fail "docker run printed '$r'"
) || exit 1
log "no config: eval \"\$(npiperouter start --env)\" gives DOCKER_HOST; the real docker CLI reaches podman $(cat "$T/server.version") through wine nprelay.exe: version, import, run"

out2=$("$NPR" start --env 2>"$T/start2.err") || fail "second start --env failed"
[[ $out2 == "$out" && ! -s $T/start2.err ]] ||
	fail "second start --env: '$out2' / '$(cat "$T/start2.err")'"
[[ $(grep -c 'started in the background' <(daemon_log)) == 1 ]] ||
	fail "a second instance started: $(daemon_log)"
log "start --env again: the same line, nothing on stderr, no second instance"

# The OpenSSH agent's pipe appears: picked up on reload.
agent=$T/agent.sock
bg agent ssh-agent -D -a "$agent"
wait_until 10 "ssh-agent on $agent" _listening "$BG_PID" "$agent" agent
ssh-keygen -q -t ed25519 -N '' -C npr-zeroconf-key -f "$T/key"
SSH_AUTH_SOCK=$agent ssh-add "$T/key" 2>/dev/null || fail "ssh-add to the agent failed"
fp=$(ssh-keygen -l -f "$T/key.pub" | awk '{ print $2 }')
tcp_forward stcp "UNIX-CONNECT:$agent"
bg sbridge wine "$NPR_PIPEBRIDGE_EXE" --name //./pipe/openssh-ssh-agent \
	--connect "$PORT" --timeout 220
wait_until 60 "pipebridge.exe" grep -qx ready "$T/sbridge.out"
"$NPR" reload >"$T/reload.out" 2>&1 || fail "reload failed: $(cat "$T/reload.out")"
env_sh=$("$NPR" env --shell sh) || fail "env failed"
grep -qF "SSH_AUTH_SOCK='$T/r t'\\''q\"x \$!/ssh-agent.sock'; export SSH_AUTH_SOCK;" <<<"$env_sh" ||
	fail "env after reload: $env_sh"
(
	eval "$env_sh"
	l=$(timeout 60 ssh-add -l) || fail "ssh-add -l through SSH_AUTH_SOCK failed"
	[[ $l == *"$fp npr-zeroconf-key"* ]] || fail "ssh-add -l: $l"
) || exit 1
log "the agent's pipe appeared: after reload, env gives SSH_AUTH_SOCK and ssh-add -l lists the key through it"

# Every shell sets the same values from its own lines.
want_docker="unix://$XDG_RUNTIME_DIR/docker.sock"
want_ssh="$XDG_RUNTIME_DIR/ssh-agent.sock"
check_shell() {
	local shell=$1 kind=$2 got
	"$NPR" env --shell "$kind" >"$T/env.$shell" || fail "env --shell $kind failed"
	case $kind in
	sh) got=$("$shell" -c '. "$1"; printf "%s\n%s\n" "$DOCKER_HOST" "$SSH_AUTH_SOCK"' sh "$T/env.$shell") ;;
	fish) got=$(fish -c 'source $argv[1]; printf "%s\n%s\n" "$DOCKER_HOST" "$SSH_AUTH_SOCK"' "$T/env.$shell") ;;
	csh)
		# eval of the output, as in .cshrc: unlike source, eval
		# expands history ("!"), so an unescaped "!" fails here.
		printf 'eval "`cat %s`"\nprintenv DOCKER_HOST\nprintenv SSH_AUTH_SOCK\n' \
			"'$T/env.$shell'" >"$T/eval.csh"
		got=$(csh -f "$T/eval.csh")
		;;
	esac || fail "$shell could not evaluate: $(cat "$T/env.$shell")"
	[[ $got == "$want_docker"$'\n'"$want_ssh" ]] ||
		fail "$shell set '$got' from: $(cat "$T/env.$shell")"
}
check_shell dash sh
check_shell bash sh
check_shell fish fish
check_shell csh csh
# The default comes from $SHELL.
[[ $(SHELL=/usr/bin/fish "$NPR" env) == "$(cat "$T/env.fish")" ]] ||
	fail "SHELL=fish did not choose fish's lines"
[[ $(SHELL=/bin/tcsh "$NPR" env) == "$(cat "$T/env.csh")" ]] ||
	fail "SHELL=tcsh did not choose csh's lines"
log "dash, bash, fish and csh set DOCKER_HOST and SSH_AUTH_SOCK to paths with spaces, quotes, \$ and !; \$SHELL picks the kind"

# Gpg4win, through the stand-in gpgconf.exe and the interop seam: a new
# instance (the seam is read at start).
"$NPR" stop >/dev/null || fail "stop failed"
start_gpg_agent
wsock=$(gpgconf --list-dirs agent-socket)
nonce=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
for s in agent extra; do
	tcp_forward "gtcp-$s" "EXEC:bash $WINE_DIR/assuan_bridge.sh native $nonce $wsock"
	{ printf '%s\n' "$PORT"; printf "$(sed 's/../\\x&/g' <<<"$nonce")"; } >"$T/S.$s"
done
esc() { printf 'Z%%3a%s' "${1//\//\\}"; }
export NPR_GPGCONF_DIRS="homedir:C%3a\\Users\\me\\AppData\\Roaming\\gnupg
agent-socket:$(esc "$T/S.agent")
agent-extra-socket:$(esc "$T/S.extra")
"
export NPR_GPGCONF_LAUNCHED
NPR_GPGCONF_LAUNCHED="Z:${T//\//\\}\\launched"
export NPIPEROUTER_INTEROP_PREFIX=wine NPIPEROUTER_WSLPATH=winepath \
	NPIPEROUTER_GPGCONF_EXE=$GPGCONF_EXE NPIPEROUTER_INTEROP_TIMEOUT_MS=60000
# Linux's gpg, in a home of its own, says where the routes listen.
export GNUPGHOME=$T/lg
mkdir -m 700 "$GNUPGHOME"
lsock=$(gpgconf --list-dirs agent-socket)
lextra=$(gpgconf --list-dirs agent-extra-socket)
# Two shells open at once: one starts the instance (probing takes a
# while), the other must wait for it and print the same lines.
"$NPR" start --env >"$T/start4.out" 2>"$T/start4.err" &
p4=$!
BG_PIDS+=("$p4")
out=$("$NPR" start --env 2>"$T/start3.err") ||
	fail "start --env with Gpg4win failed: $(cat "$T/start3.err")"
wait "$p4" || fail "the concurrent start --env failed: $(cat "$T/start4.err")"
[[ $(cat "$T/start4.out") == "$out" ]] ||
	fail "concurrent start --env printed '$(cat "$T/start4.out")', the other '$out'"
"$NPR" check --routes >"$T/routes" || fail "check --routes failed"
[[ $(sort "$T/routes" | tr '\n' ' ') == "docker gpg-agent gpg-agent-extra ssh-agent " ]] ||
	fail "routes: $(cat "$T/routes"); start: $(cat "$T/start3.err")"
a=$(timeout 60 gpg-connect-agent --no-autostart -S "$lsock" 'GETINFO version' /bye 2>&1) ||
	fail "gpg-connect-agent through $lsock failed: $a"
[[ $a == *"D $(gpg-agent --version | head -n 1 | awk '{ print $NF }')"* ]] ||
	fail "GETINFO version through the gpg-agent route: $a"
e=$(timeout 60 gpg-connect-agent --no-autostart -S "$lextra" 'GETINFO version' \
	'GETEVENTCOUNTER' /bye 2>&1) || fail "gpg-connect-agent through $lextra failed: $e"
[[ $e == *"ERR 67109115 Forbidden"* && $e == *"D "* ]] ||
	fail "the extra socket route: $e"
grep -q "^DOCKER_HOST=" <<<"$out" || fail "start --env with gpg routes: $out"
tr -d "\r" <"$T/launched" | grep -qx "launch gpg-agent" ||
	fail "gpgconf.exe --launch gpg-agent was not run: $(daemon_log)"
[[ $(grep -c 'started in the background' <(daemon_log)) == 2 ]] ||
	fail "want the second instance of this test only: $(daemon_log)"
log "Gpg4win (stand-in gpgconf.exe over the interop seam): gpg-agent on $lsock answers GETINFO, the extra socket on $lextra refuses GETEVENTCOUNTER"

# config --print: a file check accepts, with the same routes.
"$NPR" config --print >"$T/printed.conf" 2>"$T/print.err" ||
	fail "config --print failed: $(cat "$T/print.err")"
"$NPR" -c "$T/printed.conf" check >"$T/check.out" 2>&1 ||
	fail "check of the printed config failed: $(cat "$T/check.out"); printed: $(cat "$T/printed.conf")"
"$NPR" -c "$T/printed.conf" check --routes >"$T/printed.routes" || fail "check --routes of it"
[[ $(sort "$T/printed.routes") == "$(sort "$T/routes")" ]] ||
	fail "printed routes '$(cat "$T/printed.routes")' differ from '$(cat "$T/routes")'"
log "config --print: check accepts it, $(wc -l <"$T/routes") routes, the same"
