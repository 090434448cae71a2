#!/bin/bash
# The bash completion (etc/bash-completion/npiperouter), loaded into
# bash: `complete -p` names its function; commands, per-command options,
# --shell values and, for `env`, the route names of the config given with
# -c (from `npiperouter check --routes`) are offered.
. "$(dirname "$0")/lib.sh"
: "${NPR_COMPLETION:?the completion script}"

start_backend echo echo "$T/backend.sock"
socat_conf alpha
sed -i 's/^);$/,\n  { name = "beta"; listen = { path = "'"${T//\//\\/}"'\/beta.sock"; }; pipe = "p"; }\n);/' "$T/r.conf"
sed -i 's/^  }$/  }/' "$T/r.conf"
"$NPIPEROUTER" check --routes -c "$T/r.conf" >"$T/routes" ||
	fail "check --routes: $(cat "$T/routes")"
[[ $(cat "$T/routes") == $'alpha\nbeta' ]] || fail "check --routes printed: $(cat "$T/routes")"

# comp WORDS...: what the completion offers for the last word, sorted.
comp() {
	NPR_BIN=$NPIPEROUTER bash -c '
		. "$NPR_COMPLETION"
		complete -p npiperouter >/dev/null || exit 9
		COMP_WORDS=("$@")
		COMP_WORDS[0]=$NPR_BIN
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_npiperouter
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' comp "$@"
}
[[ $(bash -c '. "$NPR_COMPLETION"; complete -p npiperouter') == "complete -F _npiperouter npiperouter" ]] ||
	fail "complete -p: $(bash -c '. "$NPR_COMPLETION"; complete -p npiperouter' 2>&1)"
[[ $(comp npiperouter '') == "check config doctor env help reload run start status stop " ]] ||
	fail "commands: '$(comp npiperouter '')'"
[[ $(comp npiperouter help s) == "start status stop " ]] || fail "help s: '$(comp npiperouter help s)'"
[[ $(comp npiperouter st) == "start status stop " ]] || fail "st: '$(comp npiperouter st)'"
[[ $(comp npiperouter start --) == *"--env "* ]] || fail "start --: '$(comp npiperouter start --)'"
[[ $(comp npiperouter check --r) == "--routes " ]] || fail "check --r: '$(comp npiperouter check --r)'"
[[ $(comp npiperouter env --shell '') == "csh fish sh " ]] || fail "--shell: '$(comp npiperouter env --shell '')'"
[[ $(comp npiperouter -c "$T/r.conf" env '') == "alpha beta " ]] ||
	fail "env routes: '$(comp npiperouter -c "$T/r.conf" env '')'"
[[ $(comp npiperouter --config "$T/r.conf" env --shell fish b) == "beta " ]] ||
	fail "env b: '$(comp npiperouter --config "$T/r.conf" env --shell fish b)'"
# compgen through the registered function, as bash itself calls it.
[[ $(bash -c '. "$NPR_COMPLETION"; COMP_WORDS=(npiperouter re); COMP_CWORD=1; _npiperouter; compgen -W "${COMPREPLY[*]}" -- re') == reload ]] ||
	fail "compgen of re"
log "complete -p, commands, options, --shell values, route names of -c FILE"
