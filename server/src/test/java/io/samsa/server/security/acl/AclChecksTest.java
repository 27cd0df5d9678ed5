package io.samsa.server.security.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclPatternType;
import io.samsa.metadata.AclPermissionType;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.MetadataImage;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeAclsRequest;
import io.samsa.wire.message.DescribeAclsResponse;
import io.samsa.wire.message.DescribeProducersRequest;
import io.samsa.wire.message.DescribeProducersResponse;
import io.samsa.wire.message.DescribeUserScramCredentialsRequest;
import io.samsa.wire.message.DescribeUserScramCredentialsResponse;
import io.samsa.wire.message.ListConfigResourcesRequest;
import io.samsa.wire.message.ListConfigResourcesResponse;
import io.samsa.wire.message.ListGroupsRequest;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.MetadataResponse;
import io.samsa.wire.message.ListGroupsResponse;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.protocol.Message;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The wrapping of API handlers by {@link AclChecks}, with fake handlers and no sockets: what reaches the handler,
 * what the client gets back, and the fail-closed default for an API without a check of its own.
 */
class AclChecksTest {
    private final Map<UUID, AclBinding> acls = new java.util.HashMap<>();
    private final AclAuthorizer authorizer = new AclAuthorizer(Set.of(), false, () -> Map.copyOf(acls));
    private final List<Message> seen = new ArrayList<>();

    /** What one request got: a response, or a closed connection. */
    private static final class Sink implements ResponseSink {
        Message response;
        String closed;

        @Override
        public void send(Message r) {
            response = r;
        }

        @Override
        public void sendNothing() {
        }

        @Override
        public void closeConnection(String reason) {
            closed = reason;
        }
    }

    private void allow(AclResourceType type, String name, AclOperation op) {
        acls.put(UUID.randomUUID(), new AclBinding(type, name, AclPatternType.LITERAL, "User:alice", "*", op,
                AclPermissionType.ALLOW));
    }

    private static RequestContext ctx(int apiKey, int version) {
        return new RequestContext((short) apiKey, (short) version, 1, "c", "PLAINTEXT",
                new InetSocketAddress("127.0.0.1", 5000), Principal.user("alice"), null, null, null, 0);
    }

    private SupportedApis table(AclAuthorizer a, int apiKey, ApiHandler handler) {
        return AclChecks.wrap(SupportedApis.builder().add((short) apiKey, 0, 20, handler).build(), a,
                () -> MetadataImage.EMPTY, false);
    }

    private Sink call(SupportedApis apis, int apiKey, int version, Message request) {
        Sink sink = new Sink();
        apis.get((short) apiKey).handler().handle(ctx(apiKey, version), request, sink);
        return sink;
    }

    @Test
    void withoutAnAuthorizerOnlyTheAclApisChange() {
        ApiHandler h = (c, r, s) -> s.send(new ListGroupsResponse());
        assertSame(h, table(null, 16, h).get((short) 16).handler());
        Sink s = call(table(null, 29, (c, r, sink) -> seen.add(r)), 29, 3, new DescribeAclsRequest());
        assertEquals(ErrorCode.SECURITY_DISABLED.code(), ((DescribeAclsResponse) s.response).errorCode());
        assertEquals(List.of(), seen);
    }

    @Test
    void deniedTopicsLeaveTheRequestAndComeBackAsErrors() {
        allow(AclResourceType.TOPIC, "ok", AclOperation.READ);
        SupportedApis apis = table(authorizer, 61, (c, r, s) -> {
            seen.add(r);
            List<DescribeProducersResponse.TopicResponse> out = new ArrayList<>();
            for (DescribeProducersRequest.TopicRequest t : ((DescribeProducersRequest) r).topics()) {
                out.add(new DescribeProducersResponse.TopicResponse().setName(t.name()));
            }
            s.send(new DescribeProducersResponse().setTopics(out));
        });
        DescribeProducersRequest req = new DescribeProducersRequest().setTopics(new ArrayList<>(List.of(
                new DescribeProducersRequest.TopicRequest().setName("ok").setPartitionIndexes(List.of(0)),
                new DescribeProducersRequest.TopicRequest().setName("no").setPartitionIndexes(List.of(0, 1)))));
        DescribeProducersResponse r = (DescribeProducersResponse) call(apis, 61, 0, req).response;
        assertEquals(List.of("ok"), ((DescribeProducersRequest) seen.get(0)).topics().stream()
                .map(DescribeProducersRequest.TopicRequest::name).toList());
        assertEquals(List.of("ok", "no"), r.topics().stream().map(DescribeProducersResponse.TopicResponse::name)
                .toList());
        assertEquals(List.of(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code(), ErrorCode.TOPIC_AUTHORIZATION_FAILED.code()),
                r.topics().get(1).partitions().stream().map(DescribeProducersResponse.PartitionResponse::errorCode)
                        .toList());
        // Nothing allowed: the handler is not called at all.
        seen.clear();
        DescribeProducersRequest none = new DescribeProducersRequest().setTopics(new ArrayList<>(List.of(
                new DescribeProducersRequest.TopicRequest().setName("no").setPartitionIndexes(List.of(0)))));
        assertEquals(1, ((DescribeProducersResponse) call(apis, 61, 0, none).response).topics().size());
        assertEquals(List.of(), seen);
    }

    @Test
    void listGroupsShowsOnlyDescribableGroupsUnlessTheClusterIs() {
        allow(AclResourceType.GROUP, "mine", AclOperation.READ);
        SupportedApis apis = table(authorizer, 16, (c, r, s) -> s.send(new ListGroupsResponse().setGroups(
                new ArrayList<>(List.of(new ListGroupsResponse.ListedGroup().setGroupId("mine"),
                        new ListGroupsResponse.ListedGroup().setGroupId("theirs"))))));
        ListGroupsResponse r = (ListGroupsResponse) call(apis, 16, 4, new ListGroupsRequest()).response;
        assertEquals(List.of("mine"), r.groups().stream().map(ListGroupsResponse.ListedGroup::groupId).toList());
        allow(AclResourceType.CLUSTER, "kafka-cluster", AclOperation.DESCRIBE);
        r = (ListGroupsResponse) call(apis, 16, 4, new ListGroupsRequest()).response;
        assertEquals(2, r.groups().size());
    }

    @Test
    void anApiWithoutItsOwnCheckNeedsAlterOnTheCluster() {
        // ListConfigResources (74) has no check of its own yet.
        SupportedApis apis = table(authorizer, 74, (c, r, s) -> {
            seen.add(r);
            s.send(new ListConfigResourcesResponse());
        });
        Sink s = call(apis, 74, 0, new ListConfigResourcesRequest());
        assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED.code(), ((ListConfigResourcesResponse) s.response)
                .errorCode());
        assertEquals(List.of(), seen);
        allow(AclResourceType.CLUSTER, "kafka-cluster", AclOperation.ALTER);
        call(apis, 74, 0, new ListConfigResourcesRequest());
        assertEquals(1, seen.size());
    }

    @Test
    void credentialAndQuotaApisNeedTheirClusterOperation() {
        SupportedApis apis = table(authorizer, 50, (c, r, s) -> {
            seen.add(r);
            s.send(new DescribeUserScramCredentialsResponse());
        });
        assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED.code(), ((DescribeUserScramCredentialsResponse)
                call(apis, 50, 0, new DescribeUserScramCredentialsRequest()).response).errorCode());
        allow(AclResourceType.CLUSTER, "kafka-cluster", AclOperation.DESCRIBE);
        call(apis, 50, 0, new DescribeUserScramCredentialsRequest());
        assertEquals(1, seen.size());
    }

    @Test
    void refusedProduceWithAcksZeroClosesTheConnection() {
        SupportedApis apis = table(authorizer, 0, (c, r, s) -> seen.add(r));
        ProduceRequest req = new ProduceRequest().setAcks((short) 0).setTopicData(new ArrayList<>(List.of(
                new ProduceRequest.TopicProduceData().setName("t").setPartitionData(List.of(
                        new ProduceRequest.PartitionProduceData().setIndex(0))))));
        Sink s = call(apis, 0, 9, req);
        assertNull(s.response);
        assertEquals("produce not authorized with acks=0", s.closed);
        assertEquals(List.of(), seen);
    }

    @Test
    void metadataV0WithOnlyDeniedTopicsDoesNotListEveryTopic() {
        allow(AclResourceType.TOPIC, "open", AclOperation.DESCRIBE);
        // The fake handler answers as for "every topic" when the list is empty (v0's meaning).
        SupportedApis apis = table(authorizer, 3, (c, r, s) -> {
            List<MetadataResponse.MetadataResponseTopic> all = new ArrayList<>();
            for (String t : List.of("open", "secret", "other")) {
                all.add(new MetadataResponse.MetadataResponseTopic().setName(t));
            }
            MetadataRequest m = (MetadataRequest) r;
            if (!m.topics().isEmpty()) {
                all.removeIf(t -> m.topics().stream().noneMatch(x -> x.name().equals(t.name())));
            }
            s.send(new MetadataResponse().setTopics(all));
        });
        MetadataRequest req = new MetadataRequest().setTopics(new ArrayList<>(List.of(
                new MetadataRequest.MetadataRequestTopic().setName("secret"))));
        MetadataResponse r = (MetadataResponse) call(apis, 3, 0, req).response;
        assertEquals(List.of("secret"), r.topics().stream().map(MetadataResponse.MetadataResponseTopic::name).toList());
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code(), r.topics().get(0).errorCode());
        // Listing every topic (v0: empty list) shows only the describable ones.
        r = (MetadataResponse) call(apis, 3, 0, new MetadataRequest().setTopics(new ArrayList<>())).response;
        assertEquals(List.of("open"), r.topics().stream().map(MetadataResponse.MetadataResponseTopic::name).toList());
    }

    @Test
    void offsetFetchHidesTheOffsetsOfTopicsThePrincipalMayNotDescribe() {
        allow(AclResourceType.GROUP, "g", AclOperation.DESCRIBE);
        allow(AclResourceType.TOPIC, "open", AclOperation.READ);
        SupportedApis apis = table(authorizer, 9, (c, r, s) -> {
            List<OffsetFetchResponse.OffsetFetchResponseTopics> topics = new ArrayList<>();
            for (String t : List.of("open", "secret")) {
                topics.add(new OffsetFetchResponse.OffsetFetchResponseTopics().setName(t).setPartitions(
                        new ArrayList<>(List.of(new OffsetFetchResponse.OffsetFetchResponsePartitions()
                                .setPartitionIndex(0).setCommittedOffset(42)))));
            }
            s.send(new OffsetFetchResponse().setGroups(new ArrayList<>(List.of(
                    new OffsetFetchResponse.OffsetFetchResponseGroup().setGroupId("g").setTopics(topics)))));
        });
        // All the group's offsets: the secret topic is left out.
        OffsetFetchRequest all = new OffsetFetchRequest().setGroups(new ArrayList<>(List.of(
                new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId("g").setTopics(null))));
        OffsetFetchResponse r = (OffsetFetchResponse) call(apis, 9, 9, all).response;
        assertEquals(List.of("open"), r.groups().get(0).topics().stream()
                .map(OffsetFetchResponse.OffsetFetchResponseTopics::name).toList());
        // Named: it is there, with the error and no offset.
        OffsetFetchRequest named = new OffsetFetchRequest().setGroups(new ArrayList<>(List.of(
                new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId("g").setTopics(new ArrayList<>()))));
        r = (OffsetFetchResponse) call(apis, 9, 9, named).response;
        OffsetFetchResponse.OffsetFetchResponsePartitions secret = r.groups().get(0).topics().get(1).partitions()
                .get(0);
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code(), secret.errorCode());
        assertEquals(-1, secret.committedOffset());
        assertEquals(42, r.groups().get(0).topics().get(0).partitions().get(0).committedOffset());
        // A group the principal may not describe.
        OffsetFetchRequest other = new OffsetFetchRequest().setGroups(new ArrayList<>(List.of(
                new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId("h").setTopics(null))));
        r = (OffsetFetchResponse) call(apis, 9, 9, other).response;
        assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED.code(), r.groups().get(0).errorCode());
    }
}
