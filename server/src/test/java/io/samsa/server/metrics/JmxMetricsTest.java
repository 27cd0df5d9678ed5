package io.samsa.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class JmxMetricsTest {
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();

    @Test
    void aGaugeIsReadWhenAskedThroughItsValueAttribute() throws Exception {
        AtomicLong v = new AtomicLong(7);
        try (JmxMetrics m = new JmxMetrics(server, 1)) {
            ObjectName on = m.gauge("kafka.log", "LogCleaner", "max-clean-time-secs", Map.of(), v::get);
            assertEquals(new ObjectName("kafka.log:type=LogCleaner,name=max-clean-time-secs"), on);
            assertEquals(7L, server.getAttribute(on, "Value"));
            v.set(9);
            assertEquals(9L, server.getAttribute(on, "Value"));
            assertEquals(on, m.name("kafka.log", "LogCleaner", "max-clean-time-secs"));
            assertEquals(List.of(on), m.names());
        }
    }

    @Test
    void aTagValueIsWrittenAsKafkaWritesIt() throws Exception {
        try (JmxMetrics m = new JmxMetrics(server, 1)) {
            ObjectName plain = m.gauge("kafka.log", "LogCleanerManager", "uncleanable-partitions-count",
                    Map.of("logDirectory", "/var/samsa/data"), () -> 0);
            assertEquals("/var/samsa/data", plain.getKeyProperty("logDirectory"));
            ObjectName colon = m.gauge("kafka.log", "LogCleanerManager", "uncleanable-bytes",
                    Map.of("logDirectory", "C:/data"), () -> 0L);
            assertEquals("C%3A/data", colon.getKeyProperty("logDirectory"));
            ObjectName comma = m.gauge("kafka.log", "LogCleanerManager", "x", Map.of("logDirectory", "/a,b"),
                    () -> 0L);
            assertEquals("/a,b", ObjectName.unquote(comma.getKeyProperty("logDirectory")));
            assertTrue(server.isRegistered(comma));
        }
    }

    @Test
    void aSecondNodeInTheJvmAddsItsNodeIdAndEachUnregistersOnlyItsOwn() throws Exception {
        JmxMetrics first = new JmxMetrics(server, 1);
        JmxMetrics second = new JmxMetrics(server, 2);
        JmxMetrics third = new JmxMetrics(server, 2);
        ObjectName a = first.gauge("kafka.log", "LogCleaner", "g", Map.of(), () -> 1);
        ObjectName b = second.gauge("kafka.log", "LogCleaner", "g", Map.of(), () -> 2);
        ObjectName c = third.gauge("kafka.log", "LogCleaner", "g", Map.of(), () -> 3);
        assertEquals(new ObjectName("kafka.log:type=LogCleaner,name=g"), a);
        assertEquals(new ObjectName("kafka.log:type=LogCleaner,name=g,node=2"), b);
        assertEquals(new ObjectName("kafka.log:type=LogCleaner,name=g,node=2.2"), c);
        assertEquals(2, server.getAttribute(b, "Value"));
        assertEquals(3, server.getAttribute(c, "Value"));

        first.close();
        assertFalse(server.isRegistered(a));
        assertTrue(server.isRegistered(b));
        assertTrue(server.isRegistered(c));
        second.close();
        third.close();
        assertFalse(server.isRegistered(b));
        assertFalse(server.isRegistered(c));
        assertTrue(third.names().isEmpty());
        assertNull(third.name("kafka.log", "LogCleaner", "g"));
    }

    @Test
    void oneNodeCannotRegisterANameTwice() {
        try (JmxMetrics m = new JmxMetrics(server, 1)) {
            m.gauge("kafka.log", "LogCleaner", "g", Map.of(), () -> 1);
            assertThrows(IllegalArgumentException.class, () -> m.gauge("kafka.log", "LogCleaner", "g", Map.of(),
                    () -> 1));
        }
    }
}
