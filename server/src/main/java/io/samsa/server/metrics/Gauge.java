package io.samsa.server.metrics;

import java.util.function.Supplier;

/** A value read when a JMX client asks for it ({@link JmxMetrics#gauge}). Thread-safe if its supplier is. */
public final class Gauge implements GaugeMBean {
    private final Supplier<?> value;

    Gauge(Supplier<?> value) {
        this.value = value;
    }

    @Override
    public Object getValue() {
        return value.get();
    }
}
