package io.samsa.server.metrics;

/**
 * The management interface of a {@link Gauge}: one read-only attribute, {@code Value}, the shape JMX tools expect of
 * Kafka's gauges.
 */
public interface GaugeMBean {
    /** The value now: an Integer, Long or Double. */
    Object getValue();
}
