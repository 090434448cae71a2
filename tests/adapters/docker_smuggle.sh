#!/bin/bash
# The docker adapter's policy against requests framed to be read one way
# by the adapter and another by the engine, with podman's real Docker API
# service (a Go net/http server, as dockerd is) behind a route whose deny
# list holds "volumes":
#   - the smuggling request of issue 9: "GET /_ping HTTP/1.0" with
#     "Transfer-Encoding: chunked" whose chunk-size line "ADD /_ping
#     HTTP/1.1" hides "POST /v1.41/volumes/create" (http-parser reads a
#     chunk of 0xADD bytes, Go ignores Transfer-Encoding on HTTP/1.0);
#   - API-version segments the engine's router takes and the policy once
#     did not: /v1.41./, /v1.41../, /v1.41a/, /v1.41-x/, and %76olumes.
# Each is first sent straight to podman, which must create the volume
# (else the test proves nothing), then through the route, which must
# answer with Docker's JSON error and create nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"

start_podman
cat >"$T/router.conf" <<CONF
routes = (
$(docker_route guarded "{ name = \"docker\"; wsl_conf = \"$T/wsl.conf\";
    deny = [ \"volumes\" ]; }" "$T/podman.sock")
);
CONF
: >"$T/wsl.conf"
start_router "$T/router.conf" "$T/guarded.sock"
G=$T/guarded.sock
P=$T/podman.sock

# has_volume NAME: the engine has volume NAME (asked straight, not
# through the route).
has_volume() {
	dk_ok "$P" volume ls --format '{{.Name}}' | grep -qx "$1"
}

# --- the smuggling request. The chunk after "ADD /_ping HTTP/1.1" is
# 0xADD bytes: for Go, the rest of an "ADD /_ping" request and then the
# hidden POST, whose body of spaces after the JSON fills the chunk.
addhead=$'Host: d\r\nContent-Length: 0\r\n\r\n'
json='{"Name":"npr-smuggled"}'
posthead() {
	printf 'POST /v1.41/volumes/create HTTP/1.1\r\nHost: d\r\n'
	printf 'Content-Type: application/json\r\nContent-Length: %d\r\n\r\n' "$1"
}
len=$((0xADD - ${#addhead} - $(posthead 1000 | wc -c)))
((len >= 1000 && len <= 9999)) || fail "the hidden body's length $len has not 4 digits"
{
	printf 'GET /_ping HTTP/1.0\r\nConnection: keep-alive\r\n'
	printf 'Transfer-Encoding: chunked\r\n\r\nADD /_ping HTTP/1.1\r\n'
	printf '%s' "$addhead"
	posthead "$len"
	printf '%-*s' "$len" "$json"
	printf '\r\n0\r\n\r\n'
} >"$T/smuggle.req"
# The chunk is exactly 0xADD bytes: the line, then 0xADD bytes, then CRLF.
chunk=$(($(wc -c <"$T/smuggle.req") - $(grep -abo $'ADD /_ping HTTP/1.1\r' \
	"$T/smuggle.req" | cut -d: -f1) - 21 - 7))
((chunk == 0xADD)) || fail "the smuggling chunk is $chunk bytes, not $((0xADD))"

# Straight to podman: the hidden request runs.
http_raw "$P" "$T/smuggle.req" >"$T/direct.out"
has_volume npr-smuggled ||
	fail "podman did not run the hidden request: $(head -c 600 "$T/direct.out")"
dk_ok "$P" volume rm npr-smuggled >/dev/null
log "straight to podman, the smuggling request created npr-smuggled"

# Through the route: refused with 400, the connection ends, no volume.
http_raw "$G" "$T/smuggle.req" >"$T/route.out"
head -n 1 "$T/route.out" | grep -q '^HTTP/1.1 400 Bad Request' ||
	fail "the route answered: $(head -c 600 "$T/route.out")"
grep -qF '{"message":"npiperouter, route guarded: malformed or ambiguous request refused: Transfer-Encoding in an HTTP/1.0 request (a Go server ignores it)"}' \
	"$T/route.out" || fail "the route's answer: $(cat "$T/route.out")"
grep -c '^HTTP/' "$T/route.out" | grep -qx 1 ||
	fail "more than one answer came back: $(cat "$T/route.out")"
! has_volume npr-smuggled || fail "the smuggled POST created npr-smuggled through the route"
wait_log 5 "docker: refused GET /_ping from pid"
log "through the route: 400, one answer, no volume"

# --- API-version segments the engine routes to volumes. Escapes too:
# podman matches the escaped path (it 404s "/v1.41/%76olumes/create"),
# dockerd's router the decoded one, so the route decodes.
n=0
for path in /v1.41./volumes/create /v1.41../volumes/create \
	/v1.41a/volumes/create /v1.41-x/volumes/create '*/v1.41/%76olumes/create'; do
	n=$((n + 1))
	direct=1
	[[ $path != '*'* ]] || { direct=0; path=${path#\*}; }
	body="{\"Name\":\"npr-v$n\"}"
	printf 'POST %s HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$path" "${#body}" "$body" >"$T/v$n.req"
	if ((direct)); then
		http_raw "$P" "$T/v$n.req" >"$T/v$n.direct"
		has_volume "npr-v$n" ||
			fail "podman did not route POST $path to volumes: $(head -c 400 "$T/v$n.direct")"
		dk_ok "$P" volume rm "npr-v$n" >/dev/null
	fi
	http_raw "$G" "$T/v$n.req" >"$T/v$n.route"
	head -n 1 "$T/v$n.route" | grep -q '^HTTP/1.1 403 Forbidden' ||
		fail "POST $path through the route: $(head -c 600 "$T/v$n.route")"
	grep -qF "POST requests to the volumes endpoints are not allowed by this socket's policy" \
		"$T/v$n.route" || fail "POST $path: $(cat "$T/v$n.route")"
	! has_volume "npr-v$n" || fail "POST $path created npr-v$n through the route"
	if ((direct)); then
		log "POST $path: podman creates the volume; the route answers 403"
	else
		log "POST $path: the route answers 403"
	fi
done

# --- edge forms the check lets through: podman must split them into the
# same three requests (three answers, all 200), straight and through the
# route: a chunked body with an extension and a 0-padded upper-case size,
# two empty lines after it (Go skips them after a POST only), HTTP/1.0
# kept alive with a tab before its length.
{
	printf 'POST /v1.41/containers/prune HTTP/1.1\r\nHost: d\r\n'
	printf 'Transfer-Encoding: chunked\r\n\r\n00A;ext="x y"\r\n0123456789\r\n0\r\n\r\n'
	printf '\r\n\r\nGET /_ping HTTP/1.0\r\nConnection: keep-alive\r\n'
	printf 'Content-Length:\t 2\r\n\r\n{}'
	printf 'GET /v1.41/version HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n'
} >"$T/edge.req"
for sock in "$P" "$G"; do
	http_raw "$sock" "$T/edge.req" >"$T/edge.out"
	# The answer to _ping ends in "OK" with no newline: status lines are
	# counted where they are.
	grep -ao 'HTTP/1\.[01] [0-9][0-9][0-9] ' "$T/edge.out" >"$T/edge.status" || true
	got=$(wc -l <"$T/edge.status")
	ok=$(grep -c ' 200 $' "$T/edge.status" || true)
	((got == 3 && ok == 3)) ||
		fail "edge forms via $sock: $got answers, $ok of them 200: $(cat "$T/edge.status")"
done
log "edge forms the check passes: podman reads the same three requests"

# --- what must still pass: the CLI on the same route
dk_ok "$G" version >/dev/null
if dk "$G" volume create npr-cli; then
	fail "docker volume create passed the guarded route"
fi
router_alive
log "ok"
