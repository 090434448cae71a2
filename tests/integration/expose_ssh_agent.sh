#!/bin/bash
# An adapter on an exposed route sees the Windows side as the client:
# the ssh-agent adapter between a "Windows" ssh-add (on the stand-in's
# exposed pipe) and a real Linux ssh-agent parses ssh-add's requests
# (its deny list refuses ssh-add's add-identity) and passes the agent's
# answers (ssh-add -l lists the key).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/expose_lib.sh"
need ssh-agent ssh-add ssh-keygen

agent=$T/agent.sock
bg agent ssh-agent -D -a "$agent"
wait_until 10 "ssh-agent on $agent" _listening "$BG_PID" "$agent" agent
ssh-keygen -q -t ed25519 -N '' -C npr-expose-key -f "$T/key"
ssh-keygen -q -t ed25519 -N '' -C npr-other-key -f "$T/other"
SSH_AUTH_SOCK=$agent ssh-add "$T/key" 2>/dev/null || fail "ssh-add to the agent failed"
fp=$(ssh-keygen -l -f "$T/key.pub" | awk '{ print $2 }')

expose_conf agent "$agent" \
	'adapter = { name = "ssh-agent"; deny = [ "add-identity" ]; };'
start_router "$T/r.conf" "$PIPES/agent"

out=$(SSH_AUTH_SOCK=$PIPES/agent ssh-add -l) || fail "ssh-add -l through the pipe failed"
[[ $out == *"$fp npr-expose-key (ED25519)"* ]] || fail "ssh-add -l: $out"
SSH_AUTH_SOCK=$PIPES/agent ssh-add "$T/other" 2>"$T/add.err" &&
	fail "add-identity passed the deny list on the exposed route"
wait_log 10 'add-identity'
out=$(SSH_AUTH_SOCK=$agent ssh-add -l)
[[ $out != *npr-other-key* ]] || fail "the denied key reached the agent"
log "ok"
