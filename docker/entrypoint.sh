#!/usr/bin/env bash
# Samsa's container command, with the configuration conventions of the apache/kafka image, so that a compose file
# or `docker run` line written for apache/kafka works by changing only the image name (docs/container.md):
#   - file input: a server.properties in /mnt/shared/config is the base configuration;
#   - every environment variable KAFKA_FOO_BAR is the setting foo.bar ("___" is "-", "__" is "_", then "_" is
#     "."), and overrides the same setting of the file; KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS
#     and the other script variables of Kafka's images are not settings;
#   - KAFKA_LISTENERS, when unset, is KAFKA_ADVERTISED_LISTENERS with every host replaced by 0.0.0.0;
#   - CLUSTER_ID is cluster.id, with apache/kafka's default when unset;
#   - with neither file input nor any setting, the single-node defaults of Kafka's server.properties apply
#     (PLAINTEXT on 9092, CONTROLLER on 9093, node 1, data in /tmp/kraft-combined-logs);
#   - KAFKA_LOG4J_ROOT_LOGLEVEL and KAFKA_LOG4J_LOGGERS set log levels;
#   - arguments of the form NAME=VALUE are environment variables, as for apache/kafka's run script.
# An unset setting has Kafka's code default, except log.dir: /tmp/kafka-logs, Kafka's, where Samsa's own is ./data.
# Outside a container (tests): SAMSA_HOME (jar and lib/, default /opt/samsa), SAMSA_CLASSPATH (overrides the class
# path), SAMSA_CONFIG_DIR (where server.properties is written; default $SAMSA_HOME/config, or a directory under
# /tmp when that is not writable, e.g. for an arbitrary --user), SAMSA_FILE_INPUT_DIR (default /mnt/shared/config).
# `entrypoint.sh --print-config` prints the generated server.properties and exits.
set -euo pipefail

SAMSA_HOME="${SAMSA_HOME:-/opt/samsa}"
FILE_INPUT_DIR="${SAMSA_FILE_INPUT_DIR:-/mnt/shared/config}"
# apache/kafka's default cluster id (its configureDefaults script).
DEFAULT_CLUSTER_ID="5L6g3nShT-eMCtK--X86sw"

# Environment variables that are JVM or script options in Kafka's images, never settings.
NOT_SETTINGS=" KAFKA_HEAP_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_OPTS KAFKA_LOG4J_OPTS KAFKA_JMX_OPTS \
KAFKA_GC_LOG_OPTS KAFKA_LOG4J_LOGGERS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_VERSION \
KAFKA_HOME KAFKA_DEBUG KAFKA_JMX_PORT KAFKA_JMX_HOSTNAME "

print_only=0
for arg in "$@"; do
  case "$arg" in
    --print-config) print_only=1 ;;
    *=*) export "${arg?}" ;;
    *) echo "samsa: unknown argument '$arg' (expected NAME=VALUE or --print-config)" >&2; exit 2 ;;
  esac
done

config_dir() {
  local dir="${SAMSA_CONFIG_DIR:-$SAMSA_HOME/config}"
  if [[ -z "${SAMSA_CONFIG_DIR:-}" ]] && ! { mkdir -p "$dir" && [[ -w "$dir" ]]; } 2>/dev/null; then
    dir="${TMPDIR:-/tmp}/samsa-config-$(id -u)"
  fi
  mkdir -p "$dir"
  echo "$dir"
}

# KAFKA_FOO_BAR -> foo.bar, as the apache/kafka image does it.
setting_name() {
  local n="${1#KAFKA_}"
  n="${n,,}"
  n="${n//___/-}"
  n="${n//__/@}"
  n="${n//_/.}"
  echo "${n//@/_}"
}

# The settings given as KAFKA_* variables, sorted by variable name.
env_settings() {
  local var
  while IFS='=' read -r var _; do
    if [[ "$var" == KAFKA_* && "$NOT_SETTINGS" != *" $var "* ]]; then
      printf '%s=%s\n' "$(setting_name "$var")" "${!var}"
    fi
  done < <(env | LC_ALL=C sort)
}

# Kafka's shipped single-node server.properties, where it differs from the code defaults; the quick-start
# settings follow (quickstart.properties beside the jar in the image, config/ in the repository).
single_node_defaults() {
  local quickstart="$SAMSA_HOME/quickstart.properties"
  [[ -f "$quickstart" ]] || quickstart="$(dirname "${BASH_SOURCE[0]}")/../config/quickstart.properties"
  cat <<'DEFAULTS'
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=/tmp/kraft-combined-logs
DEFAULTS
  grep -v '^[[:space:]]*\(#\|$\)' "$quickstart"
}

# apache/kafka's checks and defaults on the variables themselves.
if [[ "${KAFKA_PROCESS_ROLES:-}" == "controller" && -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
  echo "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller." >&2
  exit 1
fi
if [[ -z "${KAFKA_LISTENERS:-}" && "${KAFKA_PROCESS_ROLES:-}" != "controller" \
      && -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
  export KAFKA_LISTENERS
  KAFKA_LISTENERS="$(sed -e 's|://[^:]*:|://0.0.0.0:|g' <<< "$KAFKA_ADVERTISED_LISTENERS")"
fi
CLUSTER_ID="${CLUSTER_ID:-$DEFAULT_CLUSTER_ID}"

write_config() {
  local file="$1" tmp="$1.tmp" settings
  settings="$(env_settings)"
  {
    echo "# Written by $0 at start-up; edits are lost at the next start."
    echo "log.dir=/tmp/kafka-logs"
    if [[ -f "$FILE_INPUT_DIR/server.properties" ]]; then
      echo "# From $FILE_INPUT_DIR/server.properties:"
      cat "$FILE_INPUT_DIR/server.properties"
      echo
    elif [[ -z "$settings" ]]; then
      echo "# No file input and no KAFKA_* setting: the single-node defaults."
      single_node_defaults
    fi
    if [[ -n "$settings" ]]; then
      echo "# From KAFKA_* environment variables:"
      echo "$settings"
    fi
    echo "cluster.id=$CLUSTER_ID"
  } > "$tmp"
  mv "$tmp" "$file"
}

CONFIG_FILE="$(config_dir)/server.properties"
write_config "$CONFIG_FILE"
if ((print_only)); then
  cat "$CONFIG_FILE"
  exit 0
fi

# log4j levels (apache/kafka's variables) as slf4j-simple properties.
log_level() {
  local l="${1,,}"
  [[ "$l" == fatal ]] && l=error
  echo "$l"
}
LOG_OPTS=()
if [[ -n "${KAFKA_LOG4J_ROOT_LOGLEVEL:-}" ]]; then
  LOG_OPTS+=("-Dorg.slf4j.simpleLogger.defaultLogLevel=$(log_level "$KAFKA_LOG4J_ROOT_LOGLEVEL")")
fi
if [[ -n "${KAFKA_LOG4J_LOGGERS:-}" ]]; then
  IFS=',' read -r -a loggers <<< "$KAFKA_LOG4J_LOGGERS"
  for entry in "${loggers[@]}"; do
    [[ "$entry" == *=* ]] || continue
    name="${entry%%=*}"
    LOG_OPTS+=("-Dorg.slf4j.simpleLogger.log.${name// /}=$(log_level "${entry#*=}")")
  done
fi

CP="${SAMSA_CLASSPATH:-$SAMSA_HOME/samsa-server.jar:$SAMSA_HOME/lib/*}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2206 # word splitting of option strings is intended, as in kafka-run-class.sh
JVM_OPTS=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC} ${KAFKA_OPTS:-})
exec "$JAVA" "${JVM_OPTS[@]}" "${LOG_OPTS[@]+"${LOG_OPTS[@]}"}" -cp "$CP" io.samsa.server.Main --config "$CONFIG_FILE"
