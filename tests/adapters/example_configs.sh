#!/bin/bash
# The commented-out adapter routes of etc/npiperouter-full.conf are valid:
# uncommented (the lines between the "# ---- BEGIN ADAPTER EXAMPLES" and
# "# ---- END" markers lose their leading "# ", as the file tells users),
# the file passes `check` with the plugins built here; so does the
# README's example user config.
. "$(dirname "$0")/lib.sh"
full=${NPR_ETC_DIR:-}/npiperouter-full.conf
[[ -f $full ]] || fail "NPR_ETC_DIR must name etc/ (got '${NPR_ETC_DIR:-}')"
export XDG_RUNTIME_DIR=$T

grep -q '^# ---- BEGIN ADAPTER EXAMPLES' "$full" || fail "no adapter examples in $full"
sed '/^# ---- BEGIN ADAPTER EXAMPLES/,/^# ---- END/ { /^# ----/! s/^# \{0,1\}// }' \
	"$full" >"$T/full.conf"
out=$("$NPIPEROUTER" check -c "$T/full.conf" 2>&1) || fail "check failed:
$out"
for a in ssh-agent assuan docker; do
	[[ $out == *"[adapter $a, "* ]] || fail "no route with adapter $a in:
$out"
done
log "$(grep -c adapter <<<"$out") adapter routes check OK"
# In a plain shell without XDG_RUNTIME_DIR too (root: it stands for /run).
out=$(env -u XDG_RUNTIME_DIR "$NPIPEROUTER" check -c "$T/full.conf" 2>&1) ||
	fail "check without XDG_RUNTIME_DIR failed:
$out"
[[ $(id -u) != 0 || $out == *": /run/ssh-agent.sock (mode "* ]] ||
	fail "without XDG_RUNTIME_DIR, root's \${XDG_RUNTIME_DIR} is not /run:
$out"
log "the adapter routes check OK without XDG_RUNTIME_DIR"

# The README's complete user config (docker, ssh-agent, gpg) passes too.
readme=$NPR_ETC_DIR/../README.md
sed -n '/^    # ~\/.config\/npiperouter\/npiperouter.conf$/,/^    );$/ s/^    //p' \
	"$readme" >"$T/readme.conf"
[[ -s $T/readme.conf ]] || fail "no user config found in $readme"
out=$("$NPIPEROUTER" check -c "$T/readme.conf" 2>&1) ||
	fail "the README's config does not check:
$out"
for a in docker ssh-agent assuan; do
	[[ $out == *"[adapter $a, "* ]] || fail "README config: no $a route in:
$out"
done
log "the README's config checks OK"
log "ok"
