#!/bin/bash
# `check` on exposed routes and their adapters: the shipped adapters
# serve both directions (raw, ssh-agent, assuan, docker declare
# NPR_ADAPTER_EXPOSED); one that does not declare it (the example
# plugin of docs/adapters.md) is refused on an exposed route, and still
# accepted on a route that listens.
. "$(dirname "$0")/lib.sh"
need_env NPIPEROUTER_PLUGIN_DIR -d "the built adapters"

conf() { # ADAPTER
	cat >"$T/r.conf" <<EOC
relay = { path = "/bin/cat"; };
routes = (
  { name = "ex";
    expose = { pipe = "//./pipe/npr-check"; };
    connect = "$T/svc.sock";
    adapter = { name = "$1"; }; }
);
EOC
}
for a in raw ssh-agent assuan docker; do
	conf "$a"
	"$NPIPEROUTER" check -c "$T/r.conf" >"$T/$a.out" 2>&1 ||
		fail "adapter $a refused on an exposed route: $(cat "$T/$a.out")"
	grep -qF "ex: //./pipe/npr-check (exposed) -> $T/svc.sock via /bin/cat [adapter $a, auto, max 256]" "$T/$a.out" ||
		fail "check's listing: $(cat "$T/$a.out")"
done
conf example
"$NPIPEROUTER" check -c "$T/r.conf" >"$T/example.out" 2>&1 &&
	fail "the example adapter was accepted on an exposed route"
want="$T/r.conf:6: route \"ex\": adapter \"example\" does not serve exposed routes (it does not set NPR_ADAPTER_EXPOSED)"
grep -qxF "$want" "$T/example.out" || fail "check said: $(cat "$T/example.out")"
# The same adapter on a route that listens is fine.
cat >"$T/l.conf" <<EOC
relay = { path = "/bin/cat"; };
routes = ( { name = "l"; listen = { path = "$T/l.sock"; }; pipe = "p";
    adapter = { name = "example"; }; } );
EOC
"$NPIPEROUTER" check -c "$T/l.conf" >"$T/l.out" 2>&1 ||
	fail "the example adapter refused on a route that listens: $(cat "$T/l.out")"
log "ok"
