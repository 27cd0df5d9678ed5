package io.samsa.server.handler.admin;

/**
 * The authorized-operations bit fields of Metadata, DescribeCluster and DescribeTopicPartitions
 * (KIP-430). Samsa has no authorizer yet, so a client that asks is allowed every operation the
 * resource type supports, as Kafka answers without an authorizer. Bit n is the ACL operation with code
 * n: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10,
 * ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
 */
final class AuthorizedOperations {
    /** The value when operations were not requested. */
    static final int OMITTED = Integer.MIN_VALUE;

    /** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
    static final int TOPIC = bits(3, 4, 5, 6, 7, 8, 10, 11);

    /** CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
    static final int CLUSTER = bits(5, 7, 8, 9, 10, 11, 12);

    private AuthorizedOperations() {
    }

    private static int bits(int... ops) {
        int v = 0;
        for (int op : ops) {
            v |= 1 << op;
        }
        return v;
    }
}
