package io.samsa.compat;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the topics a non-Java client's scenario uses, with the runner's own Java admin client, so that
 * tools without an admin API (kcat, the console tools) find them.
 */
public final class Topics {
    private Topics() {
    }

    /** Creates {@code name} with {@code partitions} partitions and {@code configs}; waits for the answer. */
    public static void create(String bootstrap, String name, int partitions, Map<String, String> configs)
            throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        }
    }
}
