#!/bin/bash
# Root refuses config and plugins another user could have written
# (review finding 4): a routes.d file owned by `nobody` or writable by
# group or others, a routes.d folder owned by nobody, an @include target
# owned by nobody, a config under a folder nobody owns, a plugin owned by
# nobody or in a writable plugin_dir. `check` names the file and why and
# never runs a refused plugin's constructor. The same files owned by root
# and not writable by others pass, also inside sticky /tmp. A non-root
# instance refuses only what every user may write (or another user owns).
. "$(dirname "$0")/lib.sh"
need setpriv getent cc
[[ $(id -u) == 0 ]] || fail "this test switches users: run it as root (CI does)"
nobody=$(getent passwd nobody | cut -d: -f3)
nogroup=$(getent passwd nobody | cut -d: -f4)
[[ -n $nobody && -n $nogroup ]] || fail "no user 'nobody' on this machine"
need_env NPIPEROUTER_PLUGIN_DIR -d "the adapters of the build tree"

# $T is root's 0755 folder inside sticky /tmp: the accepted case.
C=$T/cf
mkdir -m 755 "$C" "$C/routes.d"
cat >"$C/main.conf" <<CONF
relay = { path = "/bin/cat"; };
routes = ( { name = "main"; listen = { path = "$T/main.sock"; }; pipe = "x"; } );
CONF
route_file() { # FILE NAME [RELAY]: one route, with relay.path RELAY
	local relay=
	[[ -z ${3:-} ]] || relay=" relay = { path = \"$3\"; };"
	printf 'routes = ( { name = "%s"; listen = { path = "%s"; }; pipe = "x";%s } );\n' \
		"$2" "$T/$2.sock" "$relay" >"$1"
}
route_file "$C/routes.d/evil.conf" evil "$T/evil.sh"

check_ok() { # WHAT CONF: check accepts
	"$NPIPEROUTER" check -c "$2" >"$T/check.out" 2>&1 ||
		fail "check refused $1: $(cat "$T/check.out")"
}
check_refuses() { # WHAT CONF TEXT: check fails, saying TEXT
	local st=0
	"$NPIPEROUTER" check -c "$2" >"$T/check.out" 2>&1 || st=$?
	((st == 1)) || fail "check exited $st on $1: $(cat "$T/check.out")"
	grep -qF -- "$3" "$T/check.out" ||
		fail "check did not say '$3' on $1: $(cat "$T/check.out")"
}

check_ok "root's files in root's folder inside sticky /tmp" "$C/main.conf"

E=$C/routes.d/evil.conf
chown "$nobody" "$E"
check_refuses "a routes.d file owned by nobody" "$C/main.conf" \
	"$E: owned by uid $nobody, not root"
chown root "$E"
chmod 666 "$E"
check_refuses "a routes.d file mode 0666" "$C/main.conf" \
	"$E: group- or other-writable (mode 0666)"
chmod 664 "$E"
check_refuses "a group-writable routes.d file" "$C/main.conf" \
	"$E: group- or other-writable (mode 0664)"
chmod 644 "$E"
check_ok "routes.d back to root 0644" "$C/main.conf"

chown "$nobody" "$C/routes.d"
check_refuses "a routes.d folder owned by nobody" "$C/main.conf" \
	"$C/routes.d: owned by uid $nobody, not root"
chown root "$C/routes.d"
chmod 1777 "$C/routes.d"
check_refuses "a sticky world-writable routes.d" "$C/main.conf" \
	"$C/routes.d: group- or other-writable (mode 1777)"
chmod 755 "$C/routes.d"

# relay.path is only warned about (a Windows relay on drvfs /mnt/c is the
# Windows user's, mode 0777): root runs it, so `check` says so.
printf '#!/bin/sh\nexec cat\n' >"$T/evil.sh"
chmod 755 "$T/evil.sh"
check_ok "root's relay" "$C/main.conf"
grep -q warning "$T/check.out" && fail "check warned about root's relay: $(cat "$T/check.out")"
chown "$nobody" "$T/evil.sh"
check_ok "nobody's relay (a warning only)" "$C/main.conf"
grep -qF "warning: relay.path $T/evil.sh: owned by uid $nobody, not root; root runs it for route \"evil\"" \
	"$T/check.out" || fail "check did not warn about nobody's relay: $(cat "$T/check.out")"
chown root "$T/evil.sh"
chmod 777 "$T/evil.sh"
check_ok "a world-writable relay (a warning only)" "$C/main.conf"
grep -qF "warning: relay.path $T/evil.sh: group- or other-writable (mode 0777)" \
	"$T/check.out" || fail "check did not warn about a 0777 relay: $(cat "$T/check.out")"
chmod 755 "$T/evil.sh"

# The main file's folder, and a sticky one above it that is fine.
mkdir -m 755 "$T/up" "$T/up/in"
cp "$C/main.conf" "$T/up/in/main.conf"
chown "$nobody" "$T/up"
check_refuses "a config below a folder nobody owns" "$T/up/in/main.conf" \
	"folder $T/up is owned by uid $nobody, not root"
chown root "$T/up"
chmod 777 "$T/up"
check_refuses "a config below a world-writable folder" "$T/up/in/main.conf" \
	"folder $T/up is group- or other-writable (mode 0777)"
chmod 1777 "$T/up"
check_ok "a config below a sticky world-writable folder" "$T/up/in/main.conf"
chmod 755 "$T/up"

# An @include target is a config file too.
route_file "$C/routes.d/inc.cfg" inc
printf '@include "inc.cfg"\n' >"$C/routes.d/inc.conf"
check_ok "a root-owned @include" "$C/main.conf"
chown "$nobody" "$C/routes.d/inc.cfg"
check_refuses "an @include owned by nobody" "$C/main.conf" \
	"inc.cfg\": owned by uid $nobody, not root"
rm "$C/routes.d/inc.conf"

# Plugins: a constructor that leaves a mark, named like a real adapter.
P=$T/plugs
mkdir -m 755 "$P"
printf '#include <stdio.h>\n__attribute__((constructor)) static void f(void) { FILE *o = fopen("%s", "w"); if (o) fclose(o); }\n' \
	"$T/PWNED" >"$T/p.c"
cc -shared -fPIC -o "$P/docker.so" "$T/p.c"
cat >"$T/p.conf" <<CONF
relay = { path = "/bin/cat"; };
routes = ( { name = "p"; listen = { path = "$T/p.sock"; }; pipe = "x";
  adapter = { name = "docker"; }; } );
CONF
plugin_refused() { # WHAT TEXT
	NPIPEROUTER_PLUGIN_DIR=$P check_refuses "$1" "$T/p.conf" "$2"
	[[ ! -e $T/PWNED ]] || fail "check ran the constructor of $1"
}
chown "$nobody" "$P/docker.so"
plugin_refused "a plugin owned by nobody" "$P/docker.so: owned by uid $nobody, not root"
chown root "$P/docker.so"
chmod 666 "$P/docker.so"
plugin_refused "a world-writable plugin" "$P/docker.so: group- or other-writable (mode 0666)"
chmod 644 "$P/docker.so"
chmod 777 "$P"
plugin_refused "a plugin in a 0777 plugin_dir" "plugin_dir $P: group- or other-writable (mode 0777)"
chmod 1777 "$P"
plugin_refused "a plugin in a sticky 1777 plugin_dir" "plugin_dir $P: group- or other-writable (mode 1777)"
chmod 755 "$P"
chown "$nobody" "$P"
plugin_refused "a plugin_dir owned by nobody" "plugin_dir $P: owned by uid $nobody, not root"
chown root "$P"
# Root's own file in root's folder is loaded: the constructor runs (and
# the file is refused later, as no adapter).
NPIPEROUTER_PLUGIN_DIR=$P check_refuses "the trusted non-adapter" "$T/p.conf" \
	"does not export"
[[ -e $T/PWNED ]] || fail "a root-owned plugin in a root folder was not loaded"
rm "$T/PWNED"
# A real adapter, copied into a trusted folder, still loads by a symlink.
cp "$NPIPEROUTER_PLUGIN_DIR/docker.so" "$T/real-docker.so"
ln -sf "$T/real-docker.so" "$P/docker.so"
NPIPEROUTER_PLUGIN_DIR=$P check_ok "a symlink to a root-owned adapter" "$T/p.conf"
chown "$nobody" "$T/real-docker.so"
NPIPEROUTER_PLUGIN_DIR=$P check_refuses "a symlink to nobody's adapter" "$T/p.conf" \
	"$P/docker.so: owned by uid $nobody, not root"
log "root refuses what other users could write"

# A non-root instance: its own files, group-writable allowed; files every
# user may write, or another user's, refused.
N=$T/nb
mkdir -m 755 "$N"
cp "$C/main.conf" "$N/main.conf"
chown -R "$nobody:$nogroup" "$N"
as_nobody() { setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups "$@"; }
nb_check() { # EXPECT WHAT [TEXT]
	local st=0
	as_nobody "$NPIPEROUTER" check -c "$N/main.conf" >"$T/check.out" 2>&1 || st=$?
	((st == $1)) || fail "nobody's check exited $st on $2: $(cat "$T/check.out")"
	[[ -z ${3:-} ]] || grep -qF -- "$3" "$T/check.out" ||
		fail "nobody's check did not say '$3' on $2: $(cat "$T/check.out")"
}
nb_check 0 "its own 0644 file"
chmod 664 "$N/main.conf"
nb_check 0 "its own group-writable file"
chmod 666 "$N/main.conf"
nb_check 1 "its own 0666 file" "$N/main.conf: writable by every user (mode 0666)"
chmod 644 "$N/main.conf"
chown root "$N/main.conf"
nb_check 0 "root's file"
mkdir -m 755 "$N/routes.d"
route_file "$N/routes.d/x.conf" x
chown "$(id -u daemon)" "$N/routes.d/x.conf"
nb_check 1 "another user's routes.d file" \
	"$N/routes.d/x.conf: owned by uid $(id -u daemon), not by uid $nobody or root"
log "ok"
