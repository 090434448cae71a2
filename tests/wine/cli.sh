#!/bin/bash
# --help, --version, usage errors (exit 2), Go-flag spellings, -bg and -v.
. "$(dirname "$0")/lib.sh"

: >"$T/empty"

run_relay version "$T/empty" --version
expect_rc 0 "--version" version
grep -Eqx 'nprelay [0-9]+\.[0-9]+\.[0-9]+' "$T/version.out" ||
	fail "--version printed '$(cat "$T/version.out")'"
[[ ! -s $T/version.err ]] || fail "--version wrote to stderr"
ok "--version: $(cat "$T/version.out")"

for h in --help -h -help; do
	run_relay help "$T/empty" "$h"
	expect_rc 0 "$h" help
	grep -q '^Usage: nprelay.exe \[flags\] TARGET' "$T/help.out" ||
		fail "$h: no usage line"
	for f in -p -l -s -ep -ei -a --allow-remote -v -bg --version; do
		grep -Eq -- "^  $f " "$T/help.out" || fail "$h does not document $f"
	done
done
ok "--help documents every flag"

# NAME EXPECTED-STDERR-REGEX ARGS...
usage_case() {
	local name=$1 re=$2
	shift 2
	run_relay "$name" "$T/empty" "$@"
	expect_rc 2 "$*" "$name"
	grep -Eq -- "$re" "$T/$name.err" ||
		fail "$*: stderr '$(cat "$T/$name.err")' does not match /$re/"
	[[ ! -s $T/$name.out ]] || fail "$*: wrote to stdout"
	ok "usage error: nprelay.exe $*"
}
usage_case noarg '^nprelay: missing TARGET'
usage_case unknown '^nprelay: unknown flag: -x$' -x //./pipe/a
usage_case unknown2 '^nprelay: unknown flag: --frobnicate$' --frobnicate //./pipe/a
usage_case novalue '^nprelay: flag needs an argument: -l$' -l
usage_case badvalue 'invalid value "abc" for -l' -l abc //./pipe/a
usage_case toolong 'invalid value "86401" for -l' -l 86401 //./pipe/a
usage_case negative 'invalid value "-1" for -l' -l=-1 //./pipe/a
usage_case badbool 'invalid boolean flag: -p=maybe' -p=maybe //./pipe/a
usage_case twotargets 'unexpected argument after TARGET: //./pipe/b' //./pipe/a //./pipe/b
grep -q "Try 'nprelay.exe --help'" "$T/twotargets.err" || fail "no --help hint"

# Go's flag syntax, as npiperelay users write it: --flag, -flag=value.
missing=$(pipe_name missing)
run_relay gostyle "$T/empty" --ep --ei=true -p=false "$missing"
expect_rc 3 "--ep --ei=true -p=false on a missing pipe" gostyle
ok "--ep, --ei=true, -p=false are accepted (-p=false: no waiting)"
run_relay limiteq "$T/empty" -l=1 "$missing"
expect_rc 4 "-l=1 on a missing pipe" limiteq
ok "-l=1 waits (implies -p) and gives up: ${MS} ms"
# Every spelling of Go's strconv.ParseBool, and nothing else.
for v in 1 t T TRUE true True; do
	run_relay booltrue "$T/empty" -l 1 -ep="$v" -p="$v" "$missing"
	expect_rc 4 "-p=$v on a missing pipe (waits, gives up)" booltrue
done
for v in 0 f F FALSE false False; do
	run_relay boolfalse "$T/empty" -p="$v" -ep="$v" -ei="$v" -s="$v" "$missing"
	expect_rc 3 "-p=$v on a missing pipe (no wait)" boolfalse
done
ok "boolean values 1 t T TRUE true True / 0 f F FALSE false False, as Go's flag package"
for v in yes no TrUe on 2 ''; do
	run_relay boolbad "$T/empty" -p="$v" "$missing"
	expect_rc 2 "-p=$v" boolbad
	grep -qF "invalid boolean flag: -p=$v" "$T/boolbad.err" ||
		fail "-p=$v: stderr '$(cat "$T/boolbad.err")'"
done
ok "other boolean values are usage errors (yes, no, TrUe, on, 2, empty)"
run_relay dashdash "$T/empty" -- "$missing"
expect_rc 3 "-- TARGET" dashdash
ok "-- ends the flags"

# -bg changes nothing; -v reports progress, silence without it.
pipe=$(pipe_name echo)
start_pipesrv srv --name "$pipe" --mode byte --close-after 5 --count 3
printf hello >"$T/hello"
run_relay quiet "$T/hello" -bg "$pipe"
expect_rc 0 "-bg" quiet
[[ $(cat "$T/quiet.out") == hello ]] || fail "-bg: output '$(cat "$T/quiet.out")'"
[[ ! -s $T/quiet.err ]] || fail "stderr without -v: $(cat "$T/quiet.err")"
ok "-bg is accepted; nothing on stderr without -v"
run_relay verbose "$T/hello" -v "$pipe"
expect_rc 0 "-v" verbose
# The server closes once it has the 5 bytes, and a closed target ends the
# relay at once: whether it read stdin's EOF first is a race, so that line
# is checked below, where stdin's EOF is what ends the relay.
for want in "connected to pipe (byte mode)" \
    "the target closed after 5 bytes" "exit status 0"; do
	grep -qxF "nprelay: $pipe: $want" "$T/verbose.err" ||
		fail "-v: no line '$want' in: $(cat "$T/verbose.err")"
done
epipe=$(pipe_name echo-ei)
start_pipesrv srv_ei --name "$epipe" --mode byte --count 1
run_relay verbose_ei "$T/hello" -v -ei "$epipe"
expect_rc 0 "-v -ei" verbose_ei
for want in "stdin EOF after 5 bytes" "exiting at stdin EOF (-ei)"; do
	grep -qxF "nprelay: $epipe: $want" "$T/verbose_ei.err" ||
		fail "-v -ei: no line '$want' in: $(cat "$T/verbose_ei.err")"
done
ok "-v reports connect, both EOFs with byte counts, exit status"
# Forward slashes or backslashes name the same pipe.
run_relay backslash "$T/hello" "${pipe//\//\\}"
expect_rc 0 "backslash pipe name" backslash
[[ $(cat "$T/backslash.out") == hello ]] || fail "backslash name: wrong output"
ok "\\\\.\\pipe\\NAME works as well as //./pipe/NAME"
