package io.samsa.coordinator.group;

/** The classic group protocol's states, with the names Kafka reports (ListGroups, DescribeGroups). */
enum ClassicGroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    final String displayName;

    ClassicGroupState(String displayName) {
        this.displayName = displayName;
    }
}
