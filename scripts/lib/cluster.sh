# Shared by scripts/faults and scripts/bench-replicated: a 3-node cluster of Samsa (the launcher's `scripts/samsa
# cluster`) or Apache Kafka 4.4.0, driven by pid. Source it after scripts/lib/kafka.sh with TARGET (samsa|kafka),
# ROLES (combined|separate; Kafka only), P (base port), RUN (run directory), SAMSA, JAVA and tool() defined.
# Each target defines: BROKERS and CONTROLLERS (node ids), node_start N..., node_stop N (graceful), node_kill N
# (SIGKILL, returns once the process is gone), cluster_stop, active_controller. Node n's client port is P+2(n-1)
# for broker n (n-3 for the brokers of --kafka-roles separate) and its controller port P+2(n-1)+1.

if [[ "$TARGET" == samsa ]]; then
  BROKERS=(1 2 3) CONTROLLERS=(1 2 3)
  samsa_cluster() { "$SAMSA" cluster "$@" --base-port "$P" --data-dir "$RUN/cluster"; }
  # Several nodes start at once: one alone may wait for a quorum that the others make.
  node_start() {
    local n pids=() rc=0
    for n in "$@"; do samsa_cluster start "$n" >>"$RUN/launcher.out" 2>&1 & pids+=($!); done
    for n in "${pids[@]}"; do wait "$n" || rc=1; done
    return $rc
  }
  node_stop() { samsa_cluster stop "$1" >>"$RUN/launcher.out" 2>&1; }
  node_kill() { samsa_cluster kill "$1" >>"$RUN/launcher.out" 2>&1; }
  cluster_stop() { samsa_cluster stop >>"$RUN/launcher.out" 2>&1 || true; samsa_cluster kill >/dev/null 2>&1 || true; }
  active_controller() { samsa_cluster status 2>/dev/null | sed -n 's/^active controller: node \([0-9]*\)$/\1/p'; }
  client_port() { echo $((P + 2 * $1 - 2)); }
  # Builds the server if needed, once, outside the measured run.
  samsa_cluster status >/dev/null
  export SAMSA_SKIP_BUILD=1
else
  KAFKA_HOME_DIR="$(kafka_install)" || { log "cannot install Kafka 4.4.0"; exit 2; }
  if [[ "$ROLES" == combined ]]; then BROKERS=(1 2 3) CONTROLLERS=(1 2 3); else BROKERS=(4 5 6) CONTROLLERS=(1 2 3); fi
  client_port() { if [[ "$ROLES" == combined ]]; then echo $((P + 2 * $1 - 2)); else echo $((P + 2 * ($1 - 3) - 2)); fi; }
  controller_port() { echo $((P + 2 * $1 - 1)); }
  kdir() { echo "$RUN/cluster/node$1"; }
  is_in() { local x="$1" y; shift; for y in "$@"; do [[ "$x" == "$y" ]] && return 0; done; return 1; }
  kafka_node_format() {
    local n="$1" dir roles voters="" c listeners adv=""
    dir="$(kdir "$n")"
    mkdir -p "$dir/data"
    for c in "${CONTROLLERS[@]}"; do voters+="${voters:+,}$c@127.0.0.1:$(controller_port "$c")"; done
    if is_in "$n" "${BROKERS[@]}" && is_in "$n" "${CONTROLLERS[@]}"; then
      roles=broker,controller
      listeners="PLAINTEXT://127.0.0.1:$(client_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")"
      adv="PLAINTEXT://127.0.0.1:$(client_port "$n")"
    elif is_in "$n" "${BROKERS[@]}"; then
      roles=broker listeners="PLAINTEXT://127.0.0.1:$(client_port "$n")" adv="$listeners"
    else
      roles=controller listeners="CONTROLLER://127.0.0.1:$(controller_port "$n")"
    fi
    {
      echo "process.roles=$roles"
      echo "node.id=$n"
      echo "controller.quorum.voters=$voters"
      echo "listeners=$listeners"
      [[ -z "$adv" ]] || echo "advertised.listeners=$adv"
      echo "controller.listener.names=CONTROLLER"
      [[ -z "$adv" ]] || echo "inter.broker.listener.name=PLAINTEXT"
      echo "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
      echo "log.dirs=$dir/data"
      echo "group.initial.rebalance.delay.ms=0"
    } >"$dir/server.properties"
    "$JAVA" -cp "$KAFKA_HOME_DIR/libs/*" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn kafka.tools.StorageTool \
      format -t "$KAFKA_CLUSTER_ID" -c "$dir/server.properties" >"$dir/format.out" 2>&1 \
      || { cat "$dir/format.out" >&2; return 1; }
  }
  node_start() {
    local n
    for n in "$@"; do
      [[ -f "$(kdir "$n")/meta.properties" || -f "$(kdir "$n")/data/meta.properties" ]] || kafka_node_format "$n"
      if [[ -f "$(kdir "$n")/kafka.pid" ]] && kill -0 "$(cat "$(kdir "$n")/kafka.pid")" 2>/dev/null; then continue; fi
      kafka_launch "$(kdir "$n")"
      disown "$(cat "$(kdir "$n")/kafka.pid")" 2>/dev/null || true
    done
    for n in "$@"; do
      if is_in "$n" "${BROKERS[@]}"; then wait_port 127.0.0.1 "$(client_port "$n")" 120 || return 1
      else wait_port 127.0.0.1 "$(controller_port "$n")" 120 || return 1; fi
    done
  }
  node_stop() { kafka_stop "$(kdir "$1")"; }
  node_kill() {
    local pid
    pid="$(cat "$(kdir "$1")/kafka.pid" 2>/dev/null)" || return 0
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$(kdir "$1")/kafka.pid"
  }
  # Brokers first: a broker's controlled shutdown waits for the controller quorum.
  cluster_stop() {
    local n pids=()
    for n in "${BROKERS[@]}"; do node_stop "$n" & pids+=($!); done
    for n in "${pids[@]}"; do wait "$n" || true; done
    pids=()
    for n in "${CONTROLLERS[@]}"; do is_in "$n" "${BROKERS[@]}" || { node_stop "$n" & pids+=($!); }; done
    for n in ${pids[@]+"${pids[@]}"}; do wait "$n" || true; done
  }
  active_controller() {
    local c
    for c in "${CONTROLLERS[@]}"; do
      tool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-controller "127.0.0.1:$(controller_port "$c")" \
        describe --status 2>/dev/null | sed -n 's/^LeaderId: *\([0-9]*\).*/\1/p' | grep . && return 0
    done
    return 0
  }
fi

BOOTSTRAP=""
for n in "${BROKERS[@]}"; do BOOTSTRAP+="${BOOTSTRAP:+,}127.0.0.1:$(client_port "$n")"; done

# The pid of node N's process, or nothing when it is not running.
node_pid() {
  local f
  for f in "$RUN/cluster/node$1/samsa.pid" "$RUN/cluster/node$1/kafka.pid"; do
    if [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; then cat "$f"; return 0; fi
  done
}
