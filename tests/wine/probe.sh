#!/bin/bash
# nprelay.exe --probe: present, absent and refused names, pipes of both
# modes and assuan socket files of both formats, one line each with the
# exit status; and a probe never takes an instance: a single-instance
# server that ends after its first connection still serves the client
# that comes after the probe, and a busy one reads as present.
. "$(dirname "$0")/lib.sh"

printf hello >"$T/hello"
msg=$(pipe_name msg)
byte=$(pipe_name byte)
busy=$(pipe_name busy)
gone=$(pipe_name gone)

# Message mode like Docker; byte mode like the OpenSSH agent, with one
# instance and exiting after its first connection: a probe that connected
# would be that connection.
start_pipesrv msg --name "$msg" --mode msg
start_pipesrv byte --name "$byte" --mode byte --instances 1 --count 1 \
	--close-after 5
start_assuansrv native --file "$(winpath "$T/S.native")" --format native
start_assuansrv cygwin --file "$(winpath "$T/S.cygwin")" --format cygwin
printf '12345\nshort' >"$T/S.bad"

# probe NAME ARGS...: output in $T/NAME.out and .err, exit status in RC.
probe() {
	local name=$1
	shift
	run_relay "$name" /dev/null --probe "$@"
}

# line NAME TARGET STATE CODE REGEX: the line of TARGET in NAME's output.
line() {
	local got
	got=$(PROBE_T=$2 awk -F'\t' '$1 == ENVIRON["PROBE_T"]' "$T/$1.out")
	[[ -n $got ]] || fail "$1: no line for $2 in: $(cat -A "$T/$1.out")"
	[[ $(printf '%s\n' "$got" | wc -l) == 1 ]] || fail "$1: $2 twice"
	[[ $(awk -F'\t' '{print NF}' <<<"$got") == 4 ]] ||
		fail "$1: want 4 tab-separated fields: $(cat -A <<<"$got")"
	IFS=$'\t' read -r _ state code message <<<"$got"
	[[ $state == "$3" && $code == "$4" ]] ||
		fail "$1: $2: got '$state $code', want '$3 $4': $message"
	[[ $message =~ $5 ]] || fail "$1: $2: message '$message' does not match /$5/"
}

probe all "$msg" "$byte" "$(winpath "$T/S.native")" "$(winpath "$T/S.cygwin")" \
	"$gone" "$(winpath "$T/S.none")" "$(winpath "$T/nodir/S.none")" \
	"$(winpath "$T/S.bad")" '//otherhost/pipe/x' 'relative\S.gpg-agent'
expect_rc 3 "--probe with an error among the names" all
[[ ! -s $T/all.err ]] || fail "--probe wrote to stderr: $(cat "$T/all.err")"
[[ $(wc -l <"$T/all.out") == 10 ]] || fail "want 10 lines: $(cat -A "$T/all.out")"
# In the order given.
[[ $(head -n 1 "$T/all.out" | cut -f1) == "$msg" ]] || fail "first line is not $msg"
line all "$msg" present 0 '^pipe exists, an instance is free$'
line all "$byte" present 0 '^pipe exists, an instance is free$'
line all "$(winpath "$T/S.native")" present 0 '^assuan socket file \(native format\), port [0-9]+$'
line all "$(winpath "$T/S.cygwin")" present 0 '^assuan socket file \(Cygwin format\), port [0-9]+$'
line all "$gone" absent 2 '^no such pipe: .+ \(error 2\)$'
line all "$(winpath "$T/S.none")" absent 2 '^cannot open assuan socket file: .+ \(error 2\)$'
line all "$(winpath "$T/nodir/S.none")" absent 3 '^cannot open assuan socket file: .+ \(error 3\)$'
line all "$(winpath "$T/S.bad")" error 0 'nonce'
line all '//otherhost/pipe/x' error 0 'another computer'
line all 'relative\S.gpg-agent' error 0 'not an absolute path on a drive'
ok "--probe: present, absent and refused names, one line each, exit 3: $(cut -f2,3 "$T/all.out" | tr '\t\n' ': ')"

probe some "$msg" "$gone"
expect_rc 1 "--probe with an absent name" some
line some "$gone" absent 2 .
probe present "$msg" "$(winpath "$T/S.cygwin")"
expect_rc 0 "--probe with present names only" present
probe none
expect_rc 2 "--probe without a NAME" none
grep -q "^nprelay: --probe needs at least one NAME" "$T/none.err" ||
	fail "--probe without a NAME: $(cat "$T/none.err")"
ok "--probe exit status: 1 with an absent name, 0 all present, 2 without a NAME"

# The probes above looked at the byte server three times; it ends after
# its first connection, so a client now is its first and only one.
server_has byte "broken 0" && fail "a probe connected to the byte server"
run_relay after "$T/hello" "$byte"
expect_rc 0 "the client after the probes" after
[[ $(cat "$T/after.out") == hello ]] || fail "after the probes: output '$(cat "$T/after.out")'"
wait_server byte "closed 5"
[[ $(grep -c '^closed\|^broken\|^eof' "$T/byte.log") == 1 ]] ||
	fail "the byte server saw more than one connection: $(cat "$T/byte.log")"
ok "--probe takes no instance: the single-instance server's only connection is the client after it"

# A single instance held by the server's own client: busy, still present.
start_pipesrv busy --name "$busy" --mode byte --instances 1 --busy 8000 --count 1
probe busy "$busy"
expect_rc 0 "--probe of a busy pipe" busy
line busy "$busy" present 231 '^pipe exists, every instance is busy$'
ok "--probe of a busy single-instance pipe: present, 231"

# Docker's listener (go-winio): one instance listens at a time, the name
# held by a first one that is busy for ever.
docker=$(pipe_name docker)
start_pipesrv docker --name "$docker" --mode msg --docker
probe docker "$docker"
expect_rc 0 "--probe of a go-winio-like pipe" docker
line docker "$docker" present 0 '^pipe exists'
ok "--probe of a go-winio-like listener: present"
