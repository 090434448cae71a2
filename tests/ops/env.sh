#!/bin/bash
# `npiperouter env` and `start --env` with a config file: each route's
# variable is its "env" key, else the one its adapter implies (docker:
# DOCKER_HOST with unix://, ssh-agent: SSH_AUTH_SOCK), none for assuan or
# env = ""; the first route of a variable wins; only routes that listen
# (not an exposed one);
# ROUTE arguments pick routes, and a name that is no route of the running
# instance fails the whole command (exit 1, no line: an eval must not half
# apply it); nothing runs: exit 3 and no line. A file
# named with -c that does not exist is an error, never the built-in
# routes. `config --print` of a main file and a drop-in is one file that
# check accepts, with the same routes.
. "$(dirname "$0")/lib.sh"

start_backend echo echo "$T/backend.sock"
r() { # r NAME SETTINGS: one route
	printf '  { name = "%s"; listen = { path = "%s"; }; %s %s }' \
		"$1" "$T/$1.sock" "$(relay_route "$T/backend.sock")" "$2"
}
# write_conf [d]: the config, with route d when asked.
write_conf() {
	{
		printf 'relay = { path = "%s"; };\nroutes = (\n' "$RELAY"
		# An exposed docker route first: its clients are on Windows, it
		# has no socket here, and so no DOCKER_HOST.
		printf '  { name = "e"; expose = { pipe = "//./pipe/npr-env-e"; }; connect = "%s"; adapter = { name = "docker"; }; },\n' \
			"$T/backend.sock"
		[[ ${1:-} == d ]] && r d 'adapter = { name = "docker"; };' && echo ,
		r d2 'adapter = { name = "docker"; };'; echo ,
		r g 'adapter = { name = "assuan"; };'; echo ,
		r n 'adapter = { name = "ssh-agent"; }; env = "";'; echo ,
		r s 'env = "SSH_AUTH_SOCK";'
		printf '\n);\n'
	} >"$T/r.conf"
}
write_conf d
mkdir "$T/routes.d"
printf 'routes = (\n%s\n);\n' "$(r x 'env = "MY_SOCK";')" >"$T/routes.d/x.conf"
DAEMON_CONF=$T/r.conf

st=0
"$NPIPEROUTER" env -c "$T/r.conf" >"$T/env0" 2>"$T/env0.err" || st=$?
((st == 3)) || fail "env with nothing running: exit $st, want 3"
[[ ! -s $T/env0 ]] || fail "env with nothing running printed: $(cat "$T/env0")"
grep -q "not running" "$T/env0.err" || fail "env: $(cat "$T/env0.err")"

"$NPIPEROUTER" start --env --shell sh -c "$T/r.conf" >"$T/env1" 2>"$T/start.err" ||
	fail "start --env failed: $(cat "$T/start.err")"
cat >"$T/env1.want" <<WANT
DOCKER_HOST='unix://$T/d.sock'; export DOCKER_HOST;
SSH_AUTH_SOCK='$T/s.sock'; export SSH_AUTH_SOCK;
MY_SOCK='$T/x.sock'; export MY_SOCK;
WANT
diff -u "$T/env1.want" "$T/env1" >"$T/diff" || fail "start --env: $(cat "$T/diff")"
grep -q "^npiperouter started" "$T/start.err" || fail "start's own line: $(cat "$T/start.err")"
"$NPIPEROUTER" start --env --shell sh -c "$T/r.conf" >"$T/env2" 2>"$T/start2.err" ||
	fail "second start --env failed"
cmp -s "$T/env1" "$T/env2" && [[ ! -s $T/start2.err ]] ||
	fail "second start --env: $(cat "$T/env2" "$T/start2.err")"
log "start --env: implied DOCKER_HOST (first docker route), explicit SSH_AUTH_SOCK and MY_SOCK; none for assuan and env = \"\""

[[ $("$NPIPEROUTER" env -c "$T/r.conf" --shell fish x) == "set -gx MY_SOCK '$T/x.sock';" ]] ||
	fail "env x: $("$NPIPEROUTER" env -c "$T/r.conf" --shell fish x)"
[[ -z $("$NPIPEROUTER" env -c "$T/r.conf" g) ]] || fail "env g printed a line"
log "env ROUTE picks routes"

# env_refused WHAT NAME...: env NAME... fails (exit 1), prints nothing an
# eval would half apply, and names each unknown NAME and the routes
# there are.
env_refused() {
	local what=$1 st=0 n
	shift
	"$NPIPEROUTER" env -c "$T/r.conf" --shell sh "$@" >"$T/bad.out" 2>"$T/bad.err" || st=$?
	((st == 1)) || fail "env $what: exit $st, want 1: $(cat "$T/bad.out" "$T/bad.err")"
	[[ ! -s $T/bad.out ]] || fail "env $what printed: $(cat "$T/bad.out")"
	for n in "$@"; do
		[[ $n == nosuch* ]] || continue
		grep -qF "no route \"$n\"" "$T/bad.err" || fail "env $what does not name $n: $(cat "$T/bad.err")"
	done
	grep -q 'its routes: .*d2, g, n, s' "$T/bad.err" || fail "env $what does not list the routes: $(cat "$T/bad.err")"
}
env_refused "a typo" nosuch
env_refused "a known and an unknown route" x s nosuch nosuch2
# Routes with no variable are routes all the same: nothing, and success.
for n in g n e d2; do
	out=$("$NPIPEROUTER" env -c "$T/r.conf" --shell sh "$n") || fail "env $n (a route with no line of its own) failed"
	[[ -z $out ]] || fail "env $n printed: $out"
done
log "env ROUTE with a name that is no route: exit 1, nothing on stdout, the unknown name and the routes on stderr"

# A route removed by reload no longer listens: its line goes.
write_conf
"$NPIPEROUTER" reload -c "$T/r.conf" >/dev/null || fail "reload failed"
"$NPIPEROUTER" env -c "$T/r.conf" --shell sh >"$T/env3" || fail "env after reload"
grep -qx "DOCKER_HOST='unix://$T/d2.sock'; export DOCKER_HOST;" "$T/env3" ||
	fail "after removing d: $(cat "$T/env3")"
st=0
"$NPIPEROUTER" env -c "$T/r.conf" d >"$T/d.out" 2>"$T/d.err" || st=$?
((st == 1)) && [[ ! -s $T/d.out ]] && grep -qF 'no route "d"' "$T/d.err" ||
	fail "env d after reload without d: exit $st: $(cat "$T/d.out" "$T/d.err")"
log "after reload without route d, DOCKER_HOST is d2's, and env d is refused"

# Away from routes.d, which it holds already.
mkdir -m 700 "$T/p"
"$NPIPEROUTER" config --print -c "$T/r.conf" >"$T/p/printed.conf" ||
	fail "config --print failed"
"$NPIPEROUTER" check -c "$T/p/printed.conf" >"$T/check.out" 2>&1 ||
	fail "check of the printed config: $(cat "$T/check.out")"
diff <("$NPIPEROUTER" check --routes -c "$T/r.conf") \
	<("$NPIPEROUTER" check --routes -c "$T/p/printed.conf") >"$T/diff" ||
	fail "printed routes differ: $(cat "$T/diff")"
grep -q 'MY_SOCK' "$T/p/printed.conf" || fail "the drop-in's route is not printed"
grep -q '^# .*routes.d' "$T/p/printed.conf" || fail "no word about routes.d"
log "config --print: main file and routes.d as one file that check accepts"

st=0
"$NPIPEROUTER" check -c "$T/none.conf" >"$T/none.out" 2>&1 || st=$?
((st == 1)) && grep -q "none.conf: cannot read" "$T/none.out" ||
	fail "check -c of a missing file: exit $st: $(cat "$T/none.out")"
log "-c of a missing file is an error, not the built-in routes"

# A socket path each shell must take as it is, in the form the docs give
# for it (README.md, npiperouter(1)): a quote of each kind, two spaces,
# "$", a backquote, glob and brace characters, "~" and csh's "!". csh
# splits and globs an unquoted `...`, so its eval line quotes it.
need dash
need fish
need csh
H="$T/h  'q\"\$x\`*?[a]{b,c}~!1.sock"
hq=${H//\\/\\\\}
hq=${hq//\"/\\\"}
write_conf
sed -i '$d' "$T/r.conf"
printf ',\n  { name = "h"; listen = { path = "%s"; }; %s env = "NPR_H"; }\n);\n' \
	"$hq" "$(relay_route "$T/backend.sock")" >>"$T/r.conf"
"$NPIPEROUTER" reload -c "$T/r.conf" >/dev/null || fail "reload with route h failed"
wait_until 10 "route h listening on $H" test -S "$H"
"$NPIPEROUTER" env -c "$T/r.conf" --shell sh h >"$T/h.sh" || fail "env h (sh)"
"$NPIPEROUTER" env -c "$T/r.conf" --shell fish h >"$T/h.fish" || fail "env h (fish)"
"$NPIPEROUTER" env -c "$T/r.conf" --shell csh h >"$T/h.csh" || fail "env h (csh)"
got=$(dash -c 'eval "$(cat "$1")"; printf %s "$NPR_H"' sh "$T/h.sh")
[[ $got == "$H" ]] || fail "dash took [$got] from: $(cat "$T/h.sh")"
got=$(bash -c 'eval "$(cat "$1")"; printf %s "$NPR_H"' sh "$T/h.sh")
[[ $got == "$H" ]] || fail "bash took [$got] from: $(cat "$T/h.sh")"
got=$(cd "$T" && fish -c 'cat $argv[1] | source; printf %s "$NPR_H"' "$T/h.fish")
[[ $got == "$H" ]] || fail "fish took [$got] from: $(cat "$T/h.fish")"
got=$(cd "$T" && csh -f -c "eval \"\`cat '$T/h.csh'\`\"; printf '%s' \"\$NPR_H\"" 2>&1)
[[ $got == "$H" ]] || fail "csh took [$got] from: $(cat "$T/h.csh")"
log "env: a path with quotes, \$, \`, glob and brace characters, ~ and ! reaches sh, bash, fish and csh whole"
