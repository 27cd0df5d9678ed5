package io.samsa.raft;

import io.samsa.wire.message.VotersRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The voters of the quorum (KIP-853): one {@link Voter} per node id, each with its directory id, the endpoints it
 * listens on for other controllers and the {@code kraft.version} range it supports. A static quorum's set comes
 * from {@code controller.quorum.voters} (ids only, {@code kraft.version} 0); a dynamic quorum's
 * ({@code kraft.version} 1) from the last VotersRecord control record in the log, in the latest snapshot, or in
 * the bootstrap checkpoint written when the node was formatted. Immutable; iteration is in id order.
 */
public final class VoterSet {
    /** Where a voter listens: a listener name, host and port (KIP-853's endpoints). */
    public record Endpoint(String listener, String host, int port) {
    }

    /** One voter: its replica key, endpoints and supported {@code kraft.version} range. */
    public record Voter(ReplicaKey key, List<Endpoint> endpoints, short minKraftVersion, short maxKraftVersion) {
        public Voter {
            endpoints = List.copyOf(endpoints);
        }

        /** A voter of a static quorum: an id, nothing else known. */
        public static Voter of(int id) {
            return new Voter(ReplicaKey.of(id), List.of(), (short) 0, (short) 0);
        }

        /** A voter that supports {@code kraft.version} 0 and 1 (what a Samsa controller supports). */
        public static Voter of(ReplicaKey key, List<Endpoint> endpoints) {
            return new Voter(key, endpoints, (short) 0, (short) 1);
        }

        public int id() {
            return key.id();
        }
    }

    public static final VoterSet EMPTY = new VoterSet(Map.of());

    private final Map<Integer, Voter> voters;

    private VoterSet(Map<Integer, Voter> voters) {
        this.voters = Collections.unmodifiableMap(new TreeMap<>(voters));
    }

    public static VoterSet of(Collection<Voter> voters) {
        Map<Integer, Voter> m = new TreeMap<>();
        for (Voter v : voters) {
            if (m.put(v.id(), v) != null) {
                throw new IllegalArgumentException("Voter " + v.id() + " appears twice");
            }
        }
        return new VoterSet(m);
    }

    /** A static quorum's voters ({@code controller.quorum.voters}): ids only. */
    public static VoterSet ofIds(Set<Integer> ids) {
        List<Voter> out = new ArrayList<>();
        for (int id : ids) {
            out.add(Voter.of(id));
        }
        return of(out);
    }

    public Collection<Voter> voters() {
        return voters.values();
    }

    /** The voters' ids, sorted. */
    public Set<Integer> ids() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(voters.keySet()));
    }

    public int size() {
        return voters.size();
    }

    public boolean isEmpty() {
        return voters.isEmpty();
    }

    /** How many voters make a majority. */
    public int majority() {
        return voters.size() / 2 + 1;
    }

    /** The voter with id {@code id}, or null. */
    public Voter voter(int id) {
        return voters.get(id);
    }

    /** Whether {@code key} is a voter (its id, and its directory when both are known). */
    public boolean contains(ReplicaKey key) {
        Voter v = voters.get(key.id());
        return v != null && v.key().matches(key);
    }

    /** This set with {@code voter} added; its id must be new. */
    public VoterSet with(Voter voter) {
        if (voters.containsKey(voter.id())) {
            throw new IllegalArgumentException("Voter " + voter.id() + " is already in the set");
        }
        Map<Integer, Voter> m = new TreeMap<>(voters);
        m.put(voter.id(), voter);
        return new VoterSet(m);
    }

    /** This set with {@code key} removed; it must be a voter. */
    public VoterSet without(ReplicaKey key) {
        if (!contains(key)) {
            throw new IllegalArgumentException("Voter " + key + " is not in the set");
        }
        Map<Integer, Voter> m = new TreeMap<>(voters);
        m.remove(key.id());
        return new VoterSet(m);
    }

    /** This set with the voter of {@code voter}'s id replaced (its endpoints and supported versions). */
    public VoterSet replacing(Voter voter) {
        Map<Integer, Voter> m = new TreeMap<>(voters);
        m.put(voter.id(), voter);
        return new VoterSet(m);
    }

    /** The VotersRecord (version 0) naming this set. */
    public VotersRecord toRecord() {
        List<VotersRecord.Voter> out = new ArrayList<>();
        for (Voter v : voters.values()) {
            List<VotersRecord.Endpoint> endpoints = new ArrayList<>();
            for (Endpoint e : v.endpoints()) {
                endpoints.add(new VotersRecord.Endpoint().setName(e.listener()).setHost(e.host()).setPort(e.port()));
            }
            out.add(new VotersRecord.Voter().setVoterId(v.id()).setVoterDirectoryId(v.key().directoryId())
                .setEndpoints(endpoints).setKRaftVersionFeature(new VotersRecord.KRaftVersionFeature()
                    .setMinSupportedVersion(v.minKraftVersion()).setMaxSupportedVersion(v.maxKraftVersion())));
        }
        return new VotersRecord().setVersion((short) 0).setVoters(out);
    }

    /** The set a VotersRecord names. */
    public static VoterSet fromRecord(VotersRecord record) {
        List<Voter> out = new ArrayList<>();
        for (VotersRecord.Voter v : record.voters()) {
            List<Endpoint> endpoints = new ArrayList<>();
            for (VotersRecord.Endpoint e : v.endpoints()) {
                endpoints.add(new Endpoint(e.name(), e.host(), e.port()));
            }
            out.add(new Voter(new ReplicaKey(v.voterId(), v.voterDirectoryId()), endpoints,
                v.kRaftVersionFeature().minSupportedVersion(), v.kRaftVersionFeature().maxSupportedVersion()));
        }
        return of(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VoterSet s && voters.equals(s.voters);
    }

    @Override
    public int hashCode() {
        return voters.hashCode();
    }

    @Override
    public String toString() {
        List<String> out = new ArrayList<>();
        for (Voter v : voters.values()) {
            out.add(v.key().toString());
        }
        return out.toString();
    }
}
