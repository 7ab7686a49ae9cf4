#!/usr/bin/env bash
# authz_docker.sh - `moat authz` as the authorization plugin of a real Docker
# engine (Debian's docker.io, dockerd 20.10), driven with the real docker CLI
# and, where the CLI cannot say it, raw Engine API calls with curl. Every way
# around the policy from docs/admission.md is tried and must be denied by the
# daemon with the plugin's reason naming the rule; ordinary work (pull from a
# trusted registry - Debian's docker-registry on 127.0.0.1 - run, exec, logs,
# ps, stop, rm) must still work.
#
# Phase 1 runs the engine with a lax plugin policy to leave behind what a
# strict policy must not trust: a privileged container, a container with the
# engine socket, a volume bound to /var/run, an image retagged with a trusted
# name. Phase 2 restarts the same engine with the strict policy.
#
# Exits 77 (SKIP) with the reason when dockerd, the CLI or the registry cannot
# run here (not root, packages missing, the kernel refusing overlay mounts).
source "$(dirname "$0")/common.sh"

skip() {
  say "SKIP: $*"
  echo "0 passed, 0 failed, 1 skipped"
  exit 77
}
source "$(dirname "$0")/lib/docker_env.sh"
docker_env_check docker-registry skopeo curl python3
it_fixtures alpine
ARCHIVE=$FIXTURES/alpine/docker-archive.tar
ALLOWED=0 DENIED=0
trap 'docker_env_cleanup; rm -rf "$WORK"' EXIT

dk() { "$DOCKER" "$@"; }

# allow LABEL CMD... - the command succeeds through the plugin
allow() {
  local label=$1 out
  shift
  if out=$("$@" 2>&1); then
    ALLOWED=$((ALLOWED + 1))
    ok "allowed: $label"
  else
    not_ok "$label: expected to be allowed, got: $(tail -c 400 <<<"$out")"
  fi
}
# deny LABEL NEEDLE CMD... - the daemon refuses with the plugin's reason holding NEEDLE
deny() {
  local label=$1 needle=$2 out
  shift 2
  if out=$("$@" 2>&1); then
    not_ok "$label: expected a denial ($needle), but it ran: $(tail -c 300 <<<"$out")"
  elif [[ $out == *"authorization denied by plugin $NAME"* && $out == *"$needle"* ]]; then
    DENIED=$((DENIED + 1))
    ok "denied: $label: ${out##*authorization denied by plugin $NAME: }"
  else
    not_ok "$label: expected the plugin's denial mentioning '$needle', got: $(tail -c 400 <<<"$out")"
  fi
}
# api METHOD TARGET [BODY] - a raw Engine API call; prints the status, then the answer
api() {
  local args=(-s --max-time 30 --unix-socket "$DSOCK" -X "$1" --request-target "$2" -o "$WORK/api.out"
    -w '%{http_code}')
  [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  curl "${args[@]}" http://docker/ || true
  echo " $(head -c 600 "$WORK/api.out")"
}
# api_deny LABEL NEEDLE METHOD TARGET [BODY]
api_deny() {
  local label=$1 needle=$2 out
  shift 2
  out=$(api "$@")
  if [[ $out == 403* && $out == *"authorization denied by plugin $NAME"* && $out == *"$needle"* ]]; then
    DENIED=$((DENIED + 1))
    ok "denied (API): $label: $(sed 's/.*authorization denied by plugin [^:]*: //' <<<"$out" | head -c 300)"
  else
    not_ok "$label: expected 403 mentioning '$needle', got: $out"
  fi
}
api_allow() {
  local label=$1 out
  shift
  out=$(api "$@")
  if [[ $out == 2* ]]; then
    ALLOWED=$((ALLOWED + 1))
    ok "allowed (API): $label"
  else
    not_ok "$label: expected 2xx, got: $out"
  fi
}

start_registry "$ARCHIVE" moat/alpine

# --- phase 1: a lax plugin; leave behind what a strict policy must not trust ---
say "phase 1: the engine with a lax policy (objects made before the strict policy)"
echo "unknown_endpoints: allow" >"$WORK/lax.yaml"
start_moat "$WORK/lax.yaml" --audit-log "$WORK/audit.jsonl" || { not_ok "moat authz did not start"; it_done; exit 1; }
start_dockerd
dk load -q -i "$ARCHIVE" >"$WORK/load.log" 2>&1 || not_ok "docker load: $(cat "$WORK/load.log")"
LOADED=$(dk image inspect -f '{{.Id}}' localhost/moat-test/alpine:1)
dk pull -q "$TRUSTED" >/dev/null 2>&1 || not_ok "docker pull $TRUSTED (lax): failed"
dk create --name badpriv --privileged --network none "$TRUSTED" true >/dev/null
dk create --name badsock -v /var/run/docker.sock:/s --network none "$TRUSTED" true >/dev/null
dk volume create -d local -o type=none -o o=bind -o device=/var/run runvol >/dev/null
mkdir -p "$WORK/innocent"
dk volume create -d local -o type=none -o o=bind -o device="$WORK/innocent" linkvol >/dev/null
dk create --name builtroot --user 1000 --network none "$TRUSTED" true >/dev/null
dk commit builtroot "$REG/moat/alpine:evil" >/dev/null # same files, another image id
if dk inspect badpriv badsock >/dev/null 2>&1 && dk volume inspect runvol >/dev/null 2>&1; then
  ok "phase 1: privileged and socket containers, a /var/run volume and a committed image exist"
else
  not_ok "phase 1 setup failed: $(tail -c 400 "$WORK/dockerd.log")"
fi
stop_pid "$DPID"
DPID=

# --- phase 2: the strict policy ---
say "phase 2: the same engine with the strict policy"
cat >"$WORK/strict.yaml" <<EOF
registries: [$REG/moat/]
non_root: true
deny_privileged: true
deny_host_namespaces: true
deny_socket_mounts: true
deny_host_mounts: true
deny_cap_add: [NET_RAW]
EOF
start_moat "$WORK/strict.yaml" --audit-log "$WORK/audit.jsonl" || { not_ok "moat authz did not start"; it_done; exit 1; }
start_dockerd
TID=$(dk image inspect -f '{{.Id}}' "$TRUSTED")
DIGEST=$(dk image inspect -f '{{index .RepoDigests 0}}' "$TRUSTED")
RUN=(run --rm --network none --user 1000)

say "ordinary work is allowed"
allow "docker pull $TRUSTED (trusted registry on loopback)" dk pull -q "$TRUSTED"
allow "docker run --user 1000 $TRUSTED" dk "${RUN[@]}" "$TRUSTED" echo hello
out=$(dk "${RUN[@]}" "$TRUSTED" id -u 2>&1) && [[ $out == 1000 ]] &&
  ok "the container ran as uid 1000" || not_ok "docker run id -u: $out"
allow "docker run by digest ($DIGEST)" dk "${RUN[@]}" "$DIGEST" true
allow "docker run by short image id ${TID:7:12}" dk "${RUN[@]}" "${TID:7:12}" true
allow "docker run -d --name web" dk run -d --name web --network none --user 1000 "$TRUSTED" sleep 300
allow "docker exec web (the container's user, 1000)" dk exec web id -u
allow "docker exec --user 1000 web" dk exec --user 1000 web true
allow "docker logs web" dk logs web
allow "docker ps" dk ps
allow "docker images" dk images
allow "docker volume create data" dk volume create data
mkdir -p "$WORK/srv"
allow "docker run -v data:/data -v $WORK/srv:/srv:ro" dk "${RUN[@]}" -v data:/data -v "$WORK/srv:/srv:ro" \
  "$TRUSTED" true
allow "docker run --cap-add CHOWN --security-opt no-new-privileges" dk "${RUN[@]}" --cap-add CHOWN \
  --security-opt no-new-privileges "$TRUSTED" true
allow "docker stop web" dk stop -t 1 web
allow "docker rm web" dk rm web

say "1. request-target forms"
api_deny "absolute-form target http://docker/v1.41/containers/create, Privileged" deny_privileged \
  POST "http://docker/v1.41/containers/create" \
  '{"Image":"'"$TRUSTED"'","User":"1000","HostConfig":{"Privileged":true,"NetworkMode":"none"}}'
api_deny "absolute-form with another scheme and host" deny_privileged \
  POST "unix://x/containers/create" '{"Image":"'"$TRUSTED"'","User":"1000","HostConfig":{"Privileged":true}}'

say "2. Go's semantics, not C's"
api_deny "CapAdd [\"ſys_admin\"] (strings.ToUpper gives SYS_ADMIN)" "which the daemon reads as SYS_ADMIN" \
  POST /v1.41/containers/create '{"Image":"'"$TRUSTED"'","User":"1000","HostConfig":{"CapAdd":["\u017fys_admin"],"NetworkMode":"none"}}'
api_deny "CapAdd [\"SYS_ADMıN\"]" "which the daemon reads as SYS_ADMIN" \
  POST /v1.41/containers/create '{"Image":"'"$TRUSTED"'","User":"1000","HostConfig":{"CapAdd":["SYS_ADM\u0131N"],"NetworkMode":"none"}}'
deny "docker run --cap-add net_raw (policy deny_cap_add)" deny_cap_add dk "${RUN[@]}" --cap-add net_raw "$TRUSTED" true
deny "docker run --user +0 (strconv.Atoi reads uid 0)" "non_root: the container runs as root (user '+0'" \
  dk run --rm --network none --user +0 "$TRUSTED" true
deny "docker run --user -0:0" non_root dk run --rm --network none --user -0:0 "$TRUSTED" true
deny "docker run with the image's root user" "non_root: the container runs as root (no USER set)" \
  dk run --rm --network none "$TRUSTED" true
api_deny "\"privileged\" key in another case, top level (no HostConfig object)" deny_privileged \
  POST /v1.41/containers/create '{"Image":"'"$TRUSTED"'","User":"1000","PRIVILEGED":true}'

say "3. container references with '/'"
dk run -d --name db --network none --user 1000 "$TRUSTED" sleep 300 >/dev/null
if dk create --name app --link db:alias --network none --user 1000 "$TRUSTED" true >"$WORK/link.log" 2>&1 ||
  dk create --name app --link db:alias --user 1000 "$TRUSTED" true >"$WORK/link.log" 2>&1; then
  allow "docker exec app/alias (db through its link alias)" dk exec app/alias true
  deny "docker exec --privileged app/alias" "deny_privileged: privileged exec" dk exec --privileged app/alias true
  deny "docker exec --user 0 app/alias" "non_root: exec" dk exec --user 0 app/alias true
  api_deny "exec on app%2Falias, Privileged" "deny_privileged: privileged exec" \
    POST "/v1.41/containers/app%2Falias/exec" '{"Cmd":["true"],"Privileged":true}'
else
  not_ok "could not make a link alias: $(cat "$WORK/link.log")"
fi
deny "docker exec --privileged db" "deny_privileged: privileged exec" dk exec --privileged db true
deny "docker start badpriv (created before the policy)" "deny_privileged: privileged container" dk start badpriv
api_deny "start with an API 1.23 HostConfig body" "start HostConfig (API < 1.24)" \
  POST /v1.23/containers/db/start '{"Privileged":true}'
api_deny "update with Devices" "deny_privileged: host devices added" \
  POST /v1.41/containers/db/update '{"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/x","CgroupPermissions":"rwm"}]}'
allow "docker update --cpu-shares 512 db" dk update --cpu-shares 512 db
dk rm -f db app >/dev/null 2>&1

say "4. the host's files through other doors"
deny "-v /proc/1/root:/h" "deny_socket_mounts: /proc/1/root is under /proc" dk "${RUN[@]}" -v /proc/1/root:/h "$TRUSTED" true
deny "-v /proc/self/root:/h" "is under /proc" dk "${RUN[@]}" -v /proc/self/root:/h "$TRUSTED" true
deny "-v /var/run:/r (holds the engine socket)" "holds /run/docker.sock" dk "${RUN[@]}" -v /var/run:/r "$TRUSTED" true
deny "--mount type=bind,src=/var/run/docker.sock" "engine socket mounted" \
  dk "${RUN[@]}" --mount type=bind,src=/var/run/docker.sock,dst=/s "$TRUSTED" true
deny "-v /:/h:ro" "/ holds /run/docker.sock" dk "${RUN[@]}" -v /:/h:ro "$TRUSTED" true
for p in /etc /sys /dev /var/lib/docker; do
  deny "-v $p:/h:ro" deny_host_mounts dk "${RUN[@]}" -v "$p:/h:ro" "$TRUSTED" true
done
deny "docker volume create -o device=/var/run (bind)" "deny_socket_mounts" \
  dk volume create -d local -o type=none -o o=bind -o device=/var/run newrunvol
deny "docker volume create -o device=var/run (relative)" "relative device path" \
  dk volume create -d local -o type=none -o o=bind -o device=var/run relvol
deny "-v runvol:/r (a volume made before the policy, bound to /var/run)" "volume runvol" \
  dk "${RUN[@]}" -v runvol:/r "$TRUSTED" true
rmdir "$WORK/innocent" && ln -s /run "$WORK/innocent"
deny "-v linkvol:/r (its device is now a symlink to /run)" "-> /run" dk "${RUN[@]}" -v linkvol:/r "$TRUSTED" true
mkdir -p "$WORK/shared" && ln -s /run "$WORK/shared/r"
deny "-v $WORK/shared/r:/r (a symlink to /run)" "-> /run" dk "${RUN[@]}" -v "$WORK/shared/r:/r" "$TRUSTED" true
deny "--volumes-from badsock" "VolumesFrom badsock" dk "${RUN[@]}" --volumes-from badsock "$TRUSTED" true

say "5. privileged in effect"
deny "--privileged (its create reaches the plugin)" "deny_privileged: privileged container" \
  dk "${RUN[@]}" --privileged "$TRUSTED" true
deny "--device /dev/null" "host devices added" dk "${RUN[@]}" --device /dev/null "$TRUSTED" true
deny "--device-cgroup-rule" "device cgroup rules" dk "${RUN[@]}" --device-cgroup-rule 'c 1:3 rwm' "$TRUSTED" true
for o in seccomp=unconfined apparmor=unconfined label=disable systempaths=unconfined; do
  deny "--security-opt $o" deny_privileged dk "${RUN[@]}" --security-opt "$o" "$TRUSTED" true
done
for c in ALL SYS_ADMIN SYS_MODULE SYS_PTRACE DAC_READ_SEARCH NET_ADMIN; do
  deny "--cap-add $c" "capability added" dk "${RUN[@]}" --cap-add "$c" "$TRUSTED" true
done
deny "--cgroupns host" "CgroupnsMode is host" dk "${RUN[@]}" --cgroupns host "$TRUSTED" true
for n in network pid ipc uts userns; do
  deny "--$n host" deny_host_namespaces dk run --rm --user 1000 "--$n" host "$TRUSTED" true
done
deny "--network container:badpriv" "NetworkMode container:badpriv, which the policy would refuse" \
  dk run --rm --user 1000 --network container:badpriv "$TRUSTED" true
deny "--pid container:badpriv" "PidMode container:badpriv" dk "${RUN[@]}" --pid container:badpriv "$TRUSTED" true
dk run -d --name plain --network none --user 1000 "$TRUSTED" sleep 300 >/dev/null
allow "--pid container:plain (an admitted container)" dk "${RUN[@]}" --pid container:plain "$TRUSTED" true
deny "docker exec --privileged plain" "privileged exec" dk exec --privileged plain true
dk rm -f plain >/dev/null
api_deny "POST /plugins/pull" "deny_privileged: plugin install" POST "/v1.41/plugins/pull?remote=$REG/x" '[]'
api_deny "POST /plugins/x/set" "deny_privileged: plugin set" POST /v1.41/plugins/x/set '["DEBUG=1"]'
printf 'FROM %s\nLABEL a=b\n' "$TRUSTED" >"$WORK/Dockerfile"
deny "docker build --network host" "build with networkmode=host" \
  dk build -q --network host -f "$WORK/Dockerfile" "$WORK/srv"
api_deny "POST /services/create" "swarm service" POST /v1.41/services/create '{"Name":"x"}'

say "6. which image really runs"
deny "a loaded image tagged with the trusted name" "was not pulled from a trusted registry" \
  dk "${RUN[@]}" "$REG/moat/alpine:evil" true
EVIL=$(dk image inspect -f '{{.Id}}' "$REG/moat/alpine:evil")
deny "that image by short id ${EVIL:7:12}" "registry: image ${EVIL:0:19}" dk "${RUN[@]}" "${EVIL:7:12}" true
[[ $LOADED == "$TID" ]] &&
  allow "the loaded fixture by its own name (the same image id as the pulled one: trust follows the image)" \
    dk "${RUN[@]}" localhost/moat-test/alpine:1 true
allow "the trusted image once more (its evidence now cached by id)" dk "${RUN[@]}" "$TRUSTED" true
allow "docker tag evil onto the trusted name" dk tag "$REG/moat/alpine:evil" "$TRUSTED"
deny "the trusted name right after the retag (no cached allow)" "was not pulled from a trusted registry" \
  dk "${RUN[@]}" "$TRUSTED" true
allow "docker tag the pulled image back" dk tag "$TID" "$TRUSTED"
dk run -d --name src --network none --user 1000 "$TRUSTED" sleep 300 >/dev/null
allow "docker commit src $REG/moat/alpine:committed" dk commit src "$REG/moat/alpine:committed"
deny "run the committed image by its trusted-looking name" "registry:" dk "${RUN[@]}" "$REG/moat/alpine:committed" true
dk rm -f src >/dev/null
allow "docker build -t $REG/moat/alpine:built" dk build -q -t "$REG/moat/alpine:built" -f "$WORK/Dockerfile" "$WORK/srv"
deny "run the built image by its trusted-looking name" "registry:" dk "${RUN[@]}" "$REG/moat/alpine:built" true

say "7. endpoints moat does not know"
# dockerd 20.10 routes nothing moat does not know (its 404s never reach a plugin); a newer
# engine's endpoint is sent to the plugin socket as the daemon would forward it
ans=$(curl -s --unix-socket "$PSOCK" -X POST -d \
  '{"User":"","RequestMethod":"POST","RequestUri":"/v1.99/containers/web/frobnicate","RequestHeaders":{}}' \
  http://plugin/AuthZPlugin.AuthZReq)
[[ $ans == *'"Allow":false'* && $ans == *"unknown_endpoints: POST /containers/web/frobnicate"* ]] &&
  { DENIED=$((DENIED + 1)); ok "denied: an unknown endpoint, named: $ans"; } || not_ok "unknown endpoint: $ans"

say "the audit log"
v=$("$MOAT" authz --verify-log "$WORK/audit.jsonl" 2>&1) && ok "audit chain intact: $v" || not_ok "audit log: $v"
stop_pid "$DPID"
DPID=
stop_pid "$MPID"
MPID=
if grep -q -E "Sanitizer|runtime error" "$WORK/moat.log"; then
  not_ok "moat authz reported: $(grep -m3 -E "Sanitizer|runtime error|SUMMARY" "$WORK/moat.log")"
else
  ok "moat authz stopped cleanly (no sanitizer report in its log)"
fi
say "through the real engine: $ALLOWED allowed, $DENIED denied"
it_done
