#!/usr/bin/env bash
# Samsa container entry point, with the configuration conventions of the apache/kafka image, so that a
# compose file written for apache/kafka works by changing the image name:
#   - every environment variable KAFKA_FOO_BAR becomes the setting foo.bar
#     ("___" becomes "-", "__" becomes "_", then "_" becomes "."), e.g. KAFKA_NODE_ID, KAFKA_LISTENERS,
#     KAFKA_ADVERTISED_LISTENERS, KAFKA_PROCESS_ROLES, KAFKA_CONTROLLER_QUORUM_VOTERS;
#   - CLUSTER_ID becomes cluster.id;
#   - with no KAFKA_* setting at all, the image's single-node defaults apply (PLAINTEXT on 9092,
#     CONTROLLER on 9093, node 1, broker and controller roles);
#   - KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS and KAFKA_OPTS are JVM options, as in Kafka's scripts.
# Outside a container (tests): SAMSA_HOME (jar and lib/, default /opt/samsa), SAMSA_CLASSPATH (overrides
# the class path), SAMSA_CONFIG_DIR (where server.properties is written, default $SAMSA_HOME/config).
# `entrypoint.sh --print-config` prints the generated server.properties and exits.
set -euo pipefail

SAMSA_HOME="${SAMSA_HOME:-/opt/samsa}"
CONFIG_DIR="${SAMSA_CONFIG_DIR:-$SAMSA_HOME/config}"
CONFIG_FILE="$CONFIG_DIR/server.properties"

# Environment variables that are JVM or script options in Kafka's images, never settings.
NOT_SETTINGS=" KAFKA_HEAP_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_OPTS KAFKA_LOG4J_OPTS KAFKA_JMX_OPTS \
KAFKA_GC_LOG_OPTS KAFKA_LOG4J_LOGGERS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_VERSION \
KAFKA_HOME KAFKA_DEBUG KAFKA_JMX_PORT KAFKA_JMX_HOSTNAME "

# KAFKA_FOO_BAR -> foo.bar, as the apache/kafka image does it.
setting_name() {
  local n="${1#KAFKA_}"
  n="${n,,}"
  n="${n//___/-}"
  n="${n//__/@}"
  n="${n//_/.}"
  echo "${n//@/_}"
}

write_config() {
  mkdir -p "$CONFIG_DIR"
  local tmp="$CONFIG_FILE.tmp" found=0 var
  : > "$tmp"
  while IFS='=' read -r var _; do
    if [[ "$var" == KAFKA_* && "$NOT_SETTINGS" != *" $var "* ]]; then
      found=1
      printf '%s=%s\n' "$(setting_name "$var")" "${!var}" >> "$tmp"
    fi
  done < <(env | LC_ALL=C sort)
  if ((found == 0)); then
    cat >> "$tmp" <<'DEFAULTS'
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
DEFAULTS
  fi
  if [[ -n "${CLUSTER_ID:-}" ]]; then
    printf 'cluster.id=%s\n' "$CLUSTER_ID" >> "$tmp"
  fi
  mv "$tmp" "$CONFIG_FILE"
}

write_config
if [[ "${1:-}" == "--print-config" ]]; then
  cat "$CONFIG_FILE"
  exit 0
fi

CP="${SAMSA_CLASSPATH:-$SAMSA_HOME/samsa-server.jar:$SAMSA_HOME/lib/*}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2206 # word splitting of option strings is intended, as in kafka-run-class.sh
JVM_OPTS=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC} ${KAFKA_OPTS:-})
exec "$JAVA" "${JVM_OPTS[@]}" -cp "$CP" io.samsa.server.Main --config "$CONFIG_FILE" "$@"
