#!/bin/bash
# Error reports: one stderr line naming the target with the Win32 error
# text and code, and the documented exit status.
. "$(dirname "$0")/lib.sh"

: >"$T/empty"

# A missing pipe fails at once without -p.
missing=$(pipe_name missing)
run_relay missing "$T/empty" "$missing"
expect_rc 3 "missing pipe" missing
expect_err missing "^nprelay: $missing: cannot open pipe: .+ \(error 2\)\$"
((MS < 5000)) || fail "missing pipe took $MS ms"
[[ ! -s $T/missing.out ]] || fail "missing pipe: output on stdout"
ok "missing pipe: exit 3 in $MS ms: $(cat "$T/missing.err")"

# Not a pipe name at all: the Win32 error is passed on as it is.
run_relay badname "$T/empty" '//./nosuchdevice/x'
expect_rc 3 "bad device name" badname
expect_err badname '^nprelay: //\./nosuchdevice/x: cannot open pipe: .+ \(error [0-9]+\)$'
ok "bad device: $(cat "$T/badname.err")"

# Assuan socket files: missing, then malformed in every way we know.
sock=$T/S.gpg-agent
wsock=$(winpath "$sock")
run_relay nofile "$T/empty" -a "$wsock"
expect_rc 3 "missing assuan file" nofile
expect_err nofile "^nprelay: .*S\.gpg-agent: cannot open assuan socket file: .+ \(error 2\)\$"
ok "missing assuan file: $(cat "$T/nofile.err")"

nonce='0123456789abcdef'
# NAME REGEX: write $sock with printf's remaining arguments, expect exit 5.
bad_file() {
	local name=$1 re=$2
	shift 2
	printf "$@" >"$sock"
	run_relay "$name" "$T/empty" -a "$wsock"
	expect_rc 5 "assuan file '$name'" "$name"
	expect_err "$name" "^nprelay: .*S\\.gpg-agent: $re"
	ok "malformed assuan file ($name): exit 5: ${re}"
}
bad_file empty 'not an assuan socket file' ''
bad_file text 'not an assuan socket file' 'hello world\n'
bad_file port0 'not an assuan socket file' '0\n%s' "$nonce"
bad_file bigport 'not an assuan socket file' '65536\n%s' "$nonce"
bad_file longport 'not an assuan socket file' '0000080\n%s' "$nonce"
bad_file short 'assuan socket file has a 15-byte nonce, want 16' '1234\n%s' "${nonce:1}"
bad_file long 'assuan socket file has a 17-byte nonce, want 16' '1234\n%sX' "$nonce"
bad_file nonl 'not an assuan socket file' '1234 %s' "$nonce"
bad_file huge 'assuan socket file is larger than 128 bytes' '1234\n%0200d' 0
bad_file cygport 'bad port in Cygwin socket file' '!<socket >99999 s 00000000-00000000-00000000-00000000\0'
bad_file cygdgram 'Cygwin socket file is not a stream socket' '!<socket >1234 d 00000000-00000000-00000000-00000000\0'
bad_file cyghex 'bad key in Cygwin socket file' '!<socket >1234 s 0000zz00-00000000-00000000-00000000\0'
bad_file cyg3 'bad key in Cygwin socket file' '!<socket >1234 s 00000000-00000000-00000000\0'
bad_file cygshort 'bad key in Cygwin socket file' '!<socket >1234 s 0000000-000000000-00000000-00000000\0'
bad_file cygtrail 'trailing bytes in Cygwin socket file' '!<socket >1234 s 00000000-00000000-00000000-00000000\0junk'

# A well-formed file whose port nobody listens on.
port=1  # privileged and unused: nothing listens there
printf '%s\n%s' "$port" "$nonce" >"$sock"
run_relay refused "$T/empty" -a "$wsock"
expect_rc 3 "assuan port closed" refused
expect_err refused "^nprelay: .*S\\.gpg-agent: cannot connect to 127\\.0\\.0\\.1:$port: .+ \\(error 10061\\)\$"
ok "closed port: exit 3: $(cat "$T/refused.err")"
