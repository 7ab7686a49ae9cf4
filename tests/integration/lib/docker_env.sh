# docker_env.sh - a private Docker engine with `moat authz` as its
# authorization plugin, and a registry on loopback; sourced by
# tests/integration/authz_docker.sh and bench/authz-docker-bench.sh.
#
# The caller sets WORK (a scratch directory), MOAT (the binary) and defines
# skip REASON (report SKIP and exit 77). Everything started here is stopped
# by pid in docker_env_cleanup; nothing touches the host's own engine.

DOCKER=/usr/bin/docker
[[ -x $DOCKER ]] || DOCKER=$(command -v docker || true)
NAME=moat-authz-$$
PSOCK=/run/docker/plugins/$NAME.sock
DSOCK=$WORK/d.sock
DPID= MPID= RPID=
export DOCKER_HOST=unix://$DSOCK DOCKER_BUILDKIT=0 DOCKER_CONFIG=$WORK/docker-config

# docker_env_check TOOL... - SKIP unless root and every tool is installed
docker_env_check() {
  [[ $(id -u) == 0 ]] || skip "dockerd needs root"
  for t in dockerd "$DOCKER" "$@"; do
    command -v "$t" >/dev/null || skip "$t is not installed (scripts/install-deps.sh)"
  done
}

stop_pid() { # stop_pid PID - what this script started, by pid
  [[ -n $1 ]] || return 0
  kill "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

docker_env_cleanup() {
  if [[ -n $DPID ]] && kill -0 "$DPID" 2>/dev/null; then
    "$DOCKER" ps -aq 2>/dev/null | xargs -r "$DOCKER" rm -f >/dev/null 2>&1 || true
  fi
  stop_pid "$DPID"
  stop_pid "$MPID"
  stop_pid "$RPID"
  rm -f "$PSOCK"
  grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null || true
}

# start_moat POLICY [ARGS...] - the plugin, listening before the engine starts
start_moat() {
  local policy=$1
  shift
  stop_pid "$MPID"
  mkdir -p /run/docker/plugins
  "$MOAT" authz --policy "$policy" --socket "$PSOCK" --engine "unix://$DSOCK" "$@" \
    2>>"$WORK/moat.log" &
  MPID=$!
  for _ in $(seq 100); do [[ -S $PSOCK ]] && return 0; sleep 0.1; done
  echo "moat authz did not start: $(tail -c 300 "$WORK/moat.log")" >&2
  return 1
}

# start_dockerd [--no-plugin] - the engine on its own root and socket
start_dockerd() {
  local plugin=(--authorization-plugin="$NAME") why
  [[ ${1:-} == --no-plugin ]] && plugin=()
  stop_pid "$DPID"
  dockerd --data-root "$WORK/data" --exec-root "$WORK/exec" -H "unix://$DSOCK" \
    --pidfile "$WORK/d.pid" --bridge=none "${plugin[@]}" >>"$WORK/dockerd.log" 2>&1 &
  DPID=$!
  for _ in $(seq 300); do
    curl -s --max-time 2 --unix-socket "$DSOCK" http://d/_ping 2>/dev/null | grep -q OK && return 0
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.1
  done
  why=$(grep -m3 -iE 'level=(error|fatal)|failed' "$WORK/dockerd.log" | tail -c 400)
  skip "dockerd did not start: ${why:-$(tail -c 300 "$WORK/dockerd.log") (exit status $(wait "$DPID"; echo $?))}"
}

# start_registry ARCHIVE REPO - Debian's docker-registry on 127.0.0.1, ARCHIVE pushed
# with skopeo as REPO:1; sets REG (host:port) and TRUSTED (the pushed name)
start_registry() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  REG=127.0.0.1:$port
  cat >"$WORK/registry.yml" <<YAML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $WORK/registry}, delete: {enabled: true}}
http: {addr: $REG}
YAML
  docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
  RPID=$!
  for _ in $(seq 100); do curl -s "http://$REG/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -s "http://$REG/v2/" >/dev/null 2>&1 || skip "docker-registry did not start: $(tail -c 300 "$WORK/registry.log")"
  skopeo copy -q --dest-tls-verify=false "docker-archive:$1" "docker://$REG/$2:1" \
    >"$WORK/skopeo.log" 2>&1 || skip "skopeo could not push to $REG: $(tail -c 300 "$WORK/skopeo.log")"
  TRUSTED=$REG/$2:1
}
