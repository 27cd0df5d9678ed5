# Shared helpers: install and run Apache Kafka (single KRaft node) and its performance tools.
# Source it from a script:  . "$ROOT/scripts/lib/kafka.sh"
#
#   kafka_install [VERSION]              jars into $SAMSA_CACHE/kafka-VERSION/libs (default 4.4.0); prints the dir
#   kafka_tools_install [VERSION]        kafka-tools jars into $SAMSA_CACHE/kafka-tools-VERSION/libs (default 4.3.1;
#                                        scripts/faults takes 4.4.0)
#   kafka_start DIR PORT [key=value...]  formats and starts a broker+controller with data in DIR, client port
#                                        PORT (controller on PORT+1), waits until it listens; pid in DIR/kafka.pid
#   kafka_format DIR PORT [key=value...] / kafka_launch DIR   the two halves of kafka_start
#   kafka_stop DIR                       SIGTERM the pid in DIR/kafka.pid and wait for it to exit
#   kafka_pid DIR                        prints the broker's pid
#   wait_port HOST PORT TIMEOUT_S        returns once a TCP connect succeeds (0) or the timeout passes (1)
#
# Everything runs on loopback; processes are started and stopped by pid only.

SAMSA_CACHE="${SAMSA_CACHE:-$HOME/.cache/samsa}"
KAFKA_VERSION_DEFAULT=4.4.0
KAFKA_TOOLS_VERSION_DEFAULT=4.3.1

# Resolves ARTIFACT (g:a:v) and its runtime dependencies into DIR/libs with maven-dependency-plugin 3.8.1,
# through a throwaway POM (dependency:get trips over kafka_2.13's optional dependencies).
_kafka_resolve() {
  local gav="$1" dir="$2" managed="${3:-}"
  local g a v
  IFS=: read -r g a v <<<"$gav"
  if [[ -f "$dir/libs/.complete" ]]; then
    return 0
  fi
  mkdir -p "$dir/libs"
  cat >"$dir/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.samsa.bench</groupId>
  <artifactId>resolve-$a</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement><dependencies>$managed</dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></build>
</project>
EOF
  # Offline first (a warm ~/.m2), then online (Maven Central).
  if ! (cd "$dir" && mvn -B -q -o dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$dir/libs" >/dev/null 2>&1); then
    (cd "$dir" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$dir/libs" >&2) || return 1
  fi
  touch "$dir/libs/.complete"
}

# kafka-tools-api 4.4.0 (interfaces for the console tools, unused by the broker and by the tools we run) is missing
# from Maven Central; pin it to the newest published one.
_KAFKA_TOOLS_API_PIN='<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools-api</artifactId>'
_KAFKA_TOOLS_API_PIN+='<version>4.3.1</version></dependency>'

kafka_install() {
  local v="${1:-$KAFKA_VERSION_DEFAULT}"
  local dir="$SAMSA_CACHE/kafka-$v"
  _kafka_resolve "org.apache.kafka:kafka_2.13:$v" "$dir" "$_KAFKA_TOOLS_API_PIN" || return 1
  echo "$dir"
}

kafka_tools_install() {
  local v="${1:-$KAFKA_TOOLS_VERSION_DEFAULT}"
  local dir="$SAMSA_CACHE/kafka-tools-$v"
  _kafka_resolve "org.apache.kafka:kafka-tools:$v" "$dir" "$_KAFKA_TOOLS_API_PIN" || return 1
  echo "$dir"
}

wait_port() {
  local host="$1" port="$2" timeout="$3"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

kafka_pid() {
  cat "$1/kafka.pid"
}

# Stock settings, as bin/kafka-server-start.sh runs them: heap -Xmx1G -Xms1G, G1 with its flags.
# "samsa-bench-0000" in URL-safe base64: a fixed 16-byte cluster id.
KAFKA_CLUSTER_ID=c2Ftc2EtYmVuY2gtMDAwMA

KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"

# Writes DIR/server.properties (client port PORT, controller PORT+1, extra key=value lines) and formats DIR/data.
kafka_format() {
  local dir="$1" port="$2"
  shift 2
  local home
  home="$(kafka_install)" || return 1
  mkdir -p "$dir/data"
  local props="$dir/server.properties"
  cat >"$props" <<EOF2
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$((port + 1))
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF2
  local kv
  for kv in "$@"; do
    echo "$kv" >>"$props"
  done
  "$(_kafka_java)" -cp "$home/libs/*" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$props" >"$dir/format.out" 2>&1 || { cat "$dir/format.out" >&2; return 1; }
}

# Starts the formatted node in DIR in the background (stock heap and GC flags); pid in DIR/kafka.pid.
kafka_launch() {
  local dir="$1" home
  home="$(kafka_install)" || return 1
  # shellcheck disable=SC2086
  nohup "$(_kafka_java)" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -Dkafka.logs.dir="$dir" -cp "$home/libs/*" kafka.Kafka "$dir/server.properties" >"$dir/kafka.out" 2>&1 &
  echo $! >"$dir/kafka.pid"
}

# Formats and starts a node, then waits until its client port accepts connections.
kafka_start() {
  local dir="$1" port="$2"
  kafka_format "$@" || return 1
  kafka_launch "$dir" || return 1
  if ! wait_port 127.0.0.1 "$port" 120; then
    echo "kafka: did not listen on $port within 120 s; see $dir/kafka.out" >&2
    tail -20 "$dir/kafka.out" >&2
    return 1
  fi
}

_kafka_java() {
  echo "${JAVA_HOME:+$JAVA_HOME/bin/}java"
}

kafka_stop() {
  local dir="$1" pid
  [[ -f "$dir/kafka.pid" ]] || return 0
  pid="$(cat "$dir/kafka.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local i
    for i in $(seq 1 600); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "kafka: pid $pid did not stop within 60 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/kafka.pid"
}
