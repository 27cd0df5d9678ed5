package io.samsa.compat.connect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A source connector for {@link ConnectInternalTopicsIT} and {@link ConnectExactlyOnceIT}: one task that writes the
 * numbers from where its stored source offset left off up to {@code max} (exclusive) to {@code topic}, one record
 * each, with the number as the source offset, {@code batch} numbers a poll (50) after a pause of {@code pause.ms}
 * (0). A restarted task that resumes without gap or repeat shows that the offsets topic kept its offset. It supports
 * exactly-once delivery (KIP-618): everything it writes is determined by the offset it resumes from.
 */
public final class CountingSourceConnector extends SourceConnector {
    static final Map<String, String> PARTITION = Map.of("source", "counter");
    private Map<String, String> config;

    @Override
    public String version() {
        return "1";
    }

    @Override
    public void start(Map<String, String> props) {
        config = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return CountingTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(config);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef()
                .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "Where the numbers go")
                .define("max", ConfigDef.Type.LONG, ConfigDef.Importance.HIGH, "Where counting stops (exclusive)")
                .define("batch", ConfigDef.Type.INT, 50, ConfigDef.Importance.LOW, "Numbers a poll")
                .define("pause.ms", ConfigDef.Type.LONG, 0L, ConfigDef.Importance.LOW, "Pause before each poll");
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    /** Counts from the stored offset to {@code max}. */
    public static final class CountingTask extends SourceTask {
        private String topic;
        private long max;
        private int batch;
        private long pauseMs;
        private long next;

        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            max = Long.parseLong(props.get("max"));
            batch = Integer.parseInt(props.getOrDefault("batch", "50"));
            pauseMs = Long.parseLong(props.getOrDefault("pause.ms", "0"));
            Map<String, Object> stored = context.offsetStorageReader().offset(PARTITION);
            next = stored == null ? 0 : ((Number) stored.get("n")).longValue() + 1;
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (next >= max) {
                Thread.sleep(50);
                return null;
            }
            if (pauseMs > 0) {
                Thread.sleep(pauseMs);
            }
            List<SourceRecord> out = new ArrayList<>();
            for (int i = 0; i < batch && next < max; i++, next++) {
                out.add(new SourceRecord(PARTITION, Map.of("n", next), topic, 0, Schema.STRING_SCHEMA,
                        Long.toString(next)));
            }
            return out;
        }

        @Override
        public void stop() {
        }
    }
}
