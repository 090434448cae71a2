#!/bin/bash
# Error reports: one stderr line naming the target with the Win32 error
# text and code, and the documented exit status; targets the rules refuse.
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

# Targets the rules refuse (docs/nprelay.md, "Targets"): exit 2 before
# anything is opened, the first stderr line names the target and the
# rule, nothing on stdout, the files untouched.  Before the rules, a file
# on a drive (directly or out of \\.\pipe\ through "..") was opened, got
# the client's bytes at offset 0 and was copied to stdout, and \\HOST\pipe
# names were opened (on Windows: an SMB sign-in to HOST).
cname=nprtest-$$-secret.txt
csecret=$WINEPREFIX/drive_c/$cname
CLEANUPS+=("rm -f '$csecret'")
zsecret=$T/secret.txt
wz=$(winpath "$zsecret")
fz=${wz//\\//}
printf AB >"$T/ab"
# NAME RULE-REGEX TARGET [FLAGS...]: refused with exit 2.
refuse_case() {
	local name=$1 re=$2 target=$3 f first
	shift 3
	printf 'secret-content\n' >"$csecret"
	printf 'secret-content\n' >"$zsecret"
	run_relay "$name" "$T/ab" "$@" -ei "$target"
	expect_rc 2 "TARGET '$target' $*" "$name"
	first=$(head -1 "$T/$name.err")
	if [[ $first != "nprelay: refusing TARGET \"$target\": "* ]] ||
		! grep -Eq -- "$re" <<<"$first"; then
		fail "TARGET '$target': stderr '$(cat "$T/$name.err")' does not name it and /$re/"
	fi
	[[ ! -s $T/$name.out ]] || fail "TARGET '$target': stdout '$(head -c 80 "$T/$name.out")'"
	for f in "$csecret" "$zsecret"; do
		[[ $(cat "$f") == secret-content ]] ||
			fail "TARGET '$target': ${f##*/} now holds '$(cat "$f")'"
	done
	ok "refused: $*${*:+ }$target: $(head -1 "$T/$name.err")"
}
notpipe='not a pipe name: want //\./pipe/NAME'
dots='the pipe NAME has an empty part or one of dots and spaces only'
remote='a pipe on another computer; Windows would sign in to it with your credentials \(--allow-remote permits it\)'
notns='not in the pipe namespace'
refuse_case cfile "$notpipe" "C:/$cname"
refuse_case cfileb "$notpipe" "C:\\$cname"
refuse_case zfile "$notpipe" "$fz"
refuse_case zfileb "$notpipe" "$wz"
refuse_case dotdot "$dots" "//./pipe/../C:/$cname"
refuse_case dotdotb "$dots" "\\\\.\\pipe\\..\\C:\\$cname"
refuse_case dotdotz "$dots" "//./pipe/../$fz"
refuse_case dotdotdeep "$dots" "//./pipe/a/../../C:/$cname"
refuse_case dotdotmix "$dots" "\\\\.\\pipe/..\\C:/$cname"
refuse_case dot "$dots" '//./pipe/./x'
refuse_case emptyseg "$dots" '//./pipe/a//x'
refuse_case trailing "$dots" '//./pipe/x/'
refuse_case dotspace "$dots" '//./pipe/.. /x'
refuse_case noname 'the pipe NAME is empty' '//./pipe/'
refuse_case qmark '\\\\\?\\ paths are not pipe names' '//?/pipe/x'
refuse_case qmarkfile '\\\\\?\\ paths are not pipe names' "\\\\?\\C:\\$cname"
refuse_case device "$notns" '//./nosuchdevice/x'
refuse_case globalroot "$notns" '\\.\GLOBALROOT\Device\NamedPipe\x'
refuse_case unc "$remote" '//rvwremote/pipe/x'
refuse_case unc127 "$remote" '\\127.0.0.1\pipe\x'
refuse_case unclocal "$remote" '//localhost/pipe/x'
refuse_case uncshare "$remote" "\\\\127.0.0.1\\c\$\\$cname"
# --allow-remote lifts the remote rule only.
refuse_case remotedots "$dots" "//./pipe/../C:/$cname" --allow-remote
refuse_case remotenotpipe "$notns" "\\\\127.0.0.1\\c\$\\$cname" --allow-remote
refuse_case remotehostdots "$notpipe" '//../pipe/x' --allow-remote
run_relay allowremote "$T/ab" --allow-remote -ei '\\127.0.0.1\pipe\x'
expect_rc 3 "--allow-remote \\\\127.0.0.1\\pipe\\x (Wine has no SMB client)" allowremote
expect_err allowremote '^nprelay: \\\\127\.0\.0\.1\\pipe\\x: cannot open pipe: .+ \(error [0-9]+\)$'
ok "--allow-remote: \\\\127.0.0.1\\pipe\\x is tried: $(cat "$T/allowremote.err")"

# Assuan socket files: missing, then malformed in every way we know.
sock=$T/S.gpg-agent
wsock=$(winpath "$sock")
run_relay nofile "$T/empty" -a "$wsock"
expect_rc 3 "missing assuan file" nofile
expect_err nofile "^nprelay: .*S\.gpg-agent: cannot open assuan socket file: .+ \(error 2\)\$"
ok "missing assuan file: $(cat "$T/nofile.err")"

# -a: the socket file must be on a local drive.  A good file is there, so
# before the rules the UNC and device forms were read and connected to.
fsock=${wsock//\\//}
printf '1\n0123456789abcdef' >"$sock"
afile='a UNC or device path'
refuse_case adevice "$afile" "//./$fsock" -a
refuse_case adeviceb "$afile" "\\\\.\\$wsock" -a
refuse_case aqmark "$afile" "//?/$fsock" -a
refuse_case aqmarkb "$afile" "\\\\?\\$wsock" -a
refuse_case apipe "$afile" '//./pipe/x' -a
refuse_case aunc "$afile" '\\127.0.0.1\c$\S.gpg-agent' -a
refuse_case auncfwd "$afile" '//rvwremote/share/S.gpg-agent' -a
refuse_case arelative 'not an absolute path on a drive' 'S.gpg-agent' -a
refuse_case adriverel 'not an absolute path on a drive' 'Z:S.gpg-agent' -a
# A DOS device name passes the path rule; the handle's type stops it.
run_relay anul "$T/empty" -a "$(winpath "$T")\\NUL"
expect_rc 3 "-a DIR\\NUL" anul
expect_err anul '^nprelay: .*\\NUL: refusing the assuan socket file: it opened, but is not a file on a disk'
ok "-a DIR\\NUL (a device): exit 3: $(cat "$T/anul.err")"

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
run_relay refusedfwd "$T/empty" -a "$fsock"
expect_rc 3 "assuan port closed, C:/ form" refusedfwd
expect_err refusedfwd "^nprelay: .*S\\.gpg-agent: cannot connect to 127\\.0\\.0\\.1:$port: "
ok "a drive path with forward slashes is accepted: $(cat "$T/refusedfwd.err")"
