#!/bin/bash
# Reloads do not leak: each reload makes a new config generation, and the
# old one is freed once nothing uses it. 1000 reloads of the README's
# user config (three adapter routes). The old router kept every old
# config until exit: about 11 KiB a reload, 10 MiB over the 900 reloads
# measured here; the bound is a fifth of that, far above what malloc's
# own variation can add.
. "$(dirname "$0")/lib.sh"
need_env NPR_README -f "the README"
need_env NPIPEROUTER_PLUGIN_DIR -d "the built adapter plugins"

sed -n '/^    # ~\/.config\/npiperouter\/npiperouter.conf$/,/^    );$/ s/^    //p' \
	"$NPR_README" >"$T/r.conf"
[[ -s $T/r.conf ]] || fail "no user config found in $NPR_README"
mkdir -p "$XDG_RUNTIME_DIR/gnupg"
# Under AddressSanitizer freed memory waits in a quarantine first: without
# one, RSS shows what the router keeps.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
start_router "$T/r.conf" "$XDG_RUNTIME_DIR/docker.sock" \
	"$XDG_RUNTIME_DIR/ssh-agent.sock" "$XDG_RUNTIME_DIR/gnupg/S.gpg-agent"

reloads() { # FROM TO
	local i
	for ((i = $1; i <= $2; i++)); do
		"$NPIPEROUTER" reload -c "$T/r.conf" >"$T/reload.out" 2>&1 ||
			fail "reload $i failed: $(cat "$T/reload.out")"
	done
}
reloads 1 100
rss100=$(rss_kb "$ROUTER_PID")
reloads 101 1000
rss1000=$(rss_kb "$ROUTER_PID")
growth=$((rss1000 - rss100))
log "VmRSS after 100 reloads: $rss100 KiB, after 1000: $rss1000 KiB (+$growth KiB)"
((growth < 2048)) || fail "the router grew by $growth KiB over 900 reloads: old configs leak"
[[ $(grep -c 'reloaded: 3 route(s)' "$ROUTER_LOG") == 1000 ]] ||
	fail "not every reload was logged"
log "ok"
