package io.samsa.compat;

/** A broker the suite runs against: Samsa in-process, Apache Kafka as a process, or any given address. */
public interface BrokerTarget extends AutoCloseable {

    /** Row label in the report, e.g. {@code samsa} or {@code kafka-4.4.0}. */
    String name();

    String bootstrap();

    /** Stops what this target started (nothing for an external address). */
    @Override
    void close();

    /** A broker someone else runs. */
    static BrokerTarget external(String name, String bootstrap) {
        return new BrokerTarget() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String bootstrap() {
                return bootstrap;
            }

            @Override
            public void close() {
            }
        };
    }
}
