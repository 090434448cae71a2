#!/bin/bash
# The command line: --help for every command, --version, and bad usage
# answered with exit status 2 and a message.
. "$(dirname "$0")/lib.sh"

"$NPIPEROUTER" --version | grep -qx 'npiperouter [0-9.]*' || fail "--version"
"$NPIPEROUTER" --help >"$T/help" || fail "--help exited non-zero"
for cmd in run start stop reload status check doctor; do
	grep -q "^  $cmd " "$T/help" || fail "--help does not list $cmd"
	"$NPIPEROUTER" "$cmd" --help >"$T/$cmd.help" || fail "$cmd --help exited non-zero"
	grep -q "^Usage: npiperouter $cmd " "$T/$cmd.help" ||
		fail "$cmd --help: $(head -1 "$T/$cmd.help")"
done
# Every option a command's synopsis shows has its line.
for cmd in run start; do
	grep -q "^  -v, --verbose " "$T/$cmd.help" || fail "$cmd --help does not explain -v"
done
for cmd in start env; do
	"$NPIPEROUTER" "$cmd" --help >"$T/$cmd.help" || fail "$cmd --help exited non-zero"
	grep -q "^      --shell SHELL " "$T/$cmd.help" || fail "$cmd --help does not explain --shell"
done
# `help` and `help COMMAND`, as git and systemctl users type them.
"$NPIPEROUTER" help >"$T/help.cmd" || fail "help exited non-zero"
cmp -s "$T/help" "$T/help.cmd" || fail "help differs from --help: $(head -3 "$T/help.cmd")"
"$NPIPEROUTER" help status >"$T/status.cmd" || fail "help status exited non-zero"
cmp -s "$T/status.help" "$T/status.cmd" || fail "help status: $(head -3 "$T/status.cmd")"
bad() { # WANT-MESSAGE ARGS...
	local want=$1 st=0
	shift
	"$NPIPEROUTER" "$@" >/dev/null 2>"$T/bad.err" || st=$?
	((st == 2)) || fail "'$*' exited $st, want 2"
	grep -qF -- "$want" "$T/bad.err" || fail "'$*' said: $(cat "$T/bad.err")"
}
bad 'no command given'
bad 'unknown command "bogus"' bogus
bad 'unknown command "bogus"' help bogus
bad 'unexpected argument "x"' help status x
bad 'unexpected argument "extra"' check extra
bad '--json goes with status only' check --json
bad 'Usage: npiperouter run' run --no-such-option
log "ok"
