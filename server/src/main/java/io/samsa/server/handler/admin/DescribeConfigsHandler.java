package io.samsa.server.handler.admin;

import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.ConfigSource;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.TopicNames;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.DescribeConfigsRequest;
import io.samsa.wire.message.DescribeConfigsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * DescribeConfigs (key 32, v0-4) for TOPIC and BROKER resources, read from the current metadata image:
 * each config's value, source (v1+, KIP-226; v0's {@code is_default}), read-only and sensitive flags
 * (sensitive values are null), synonyms when asked (v1+), type and documentation (v3+, KIP-569), and
 * only the requested keys when {@code configuration_keys} is given.
 *
 * <p>Errors per resource: an illegal topic name {@code INVALID_TOPIC_EXCEPTION}, a missing topic
 * {@code UNKNOWN_TOPIC_OR_PARTITION}, a broker other than this node or a non-numeric broker name
 * {@code INVALID_REQUEST}, any other resource type {@code INVALID_REQUEST}. Runs on the connection's
 * event loop and answers at once.
 */
public final class DescribeConfigsHandler implements ApiHandler {
    private final BrokerConfig config;
    private final BrokerMetadata metadata;
    private final BrokerConfigDescriber brokerConfigs;

    public DescribeConfigsHandler(BrokerConfig config, BrokerMetadata metadata) {
        this.config = config;
        this.metadata = metadata;
        this.brokerConfigs = new BrokerConfigDescriber(config);
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeConfigsRequest req = (DescribeConfigsRequest) request;
        List<DescribeConfigsResponse.DescribeConfigsResult> out = new ArrayList<>(req.resources().size());
        for (DescribeConfigsRequest.DescribeConfigsResource r : req.resources()) {
            DescribeConfigsResponse.DescribeConfigsResult result = new DescribeConfigsResponse.DescribeConfigsResult()
                    .setResourceType(r.resourceType()).setResourceName(r.resourceName())
                    .setErrorCode(ErrorCode.NONE.code());
            try {
                result.setConfigs(entries(describe(r), r.configurationKeys(), req, ctx.apiVersion()));
            } catch (SamsaException e) {
                result.setErrorCode(e.errorCode().code()).setErrorMessage(e.getMessage())
                        .setConfigs(new ArrayList<>(0));
            } catch (RuntimeException e) {
                ApiError error = ApiError.of(e, ctx.logPrefix());
                result.setErrorCode(error.codeValue()).setErrorMessage(error.message()).setConfigs(new ArrayList<>(0));
            }
            out.add(result);
        }
        sink.send(new DescribeConfigsResponse().setResults(out));
    }

    private List<ConfigDescription> describe(DescribeConfigsRequest.DescribeConfigsResource r) {
        ConfigResource.Type type = ConfigResource.Type.forId(r.resourceType());
        if (type == ConfigResource.Type.TOPIC) {
            TopicNames.validate(r.resourceName());
            List<ConfigDescription> configs = TopicConfigs.describe(metadata.image(), r.resourceName(),
                    config.nodeId(), config.originals());
            if (configs == null) {
                throw new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                        "The topic '" + r.resourceName() + "' does not exist.");
            }
            return configs;
        }
        if (type == ConfigResource.Type.BROKER) {
            String name = r.resourceName();
            if (name.isEmpty()) {
                return brokerConfigs.describeClusterDefault(metadata.image());
            }
            int id;
            try {
                id = Integer.parseInt(name);
            } catch (NumberFormatException e) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "Broker id must be an integer, but it is: " + name);
            }
            if (id != config.nodeId()) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "Unexpected broker id, expected "
                        + config.nodeId() + " or empty string, but received " + name);
            }
            return brokerConfigs.describeNode(metadata.image());
        }
        throw new SamsaException(ErrorCode.INVALID_REQUEST, "Unsupported resource type: " + r.resourceType());
    }

    private static List<DescribeConfigsResponse.DescribeConfigsResourceResult> entries(
            List<ConfigDescription> configs, List<String> keys, DescribeConfigsRequest req, short version) {
        Set<String> only = keys == null || keys.isEmpty() ? null : new HashSet<>(keys);
        boolean synonyms = version >= 1 && req.includeSynonyms();
        boolean documentation = version >= 3 && req.includeDocumentation();
        List<DescribeConfigsResponse.DescribeConfigsResourceResult> out = new ArrayList<>(configs.size());
        for (ConfigDescription c : configs) {
            if (only != null && !only.contains(c.name())) {
                continue;
            }
            DescribeConfigsResponse.DescribeConfigsResourceResult e =
                    new DescribeConfigsResponse.DescribeConfigsResourceResult().setName(c.name())
                            .setValue(c.sensitive() ? null : c.value()).setReadOnly(c.readOnly())
                            .setIsSensitive(c.sensitive()).setConfigSource(c.source().id())
                            .setConfigType(c.type().id()).setDocumentation(documentation ? c.documentation() : null);
            if (version == 0) {
                e.setIsDefault(c.source() == ConfigSource.DEFAULT_CONFIG);
            }
            List<DescribeConfigsResponse.DescribeConfigsSynonym> syn = new ArrayList<>(
                    synonyms ? c.synonyms().size() : 0);
            if (synonyms) {
                for (ConfigDescription.Synonym s : c.synonyms()) {
                    syn.add(new DescribeConfigsResponse.DescribeConfigsSynonym().setName(s.name())
                            .setValue(c.sensitive() ? null : s.value()).setSource(s.source().id()));
                }
            }
            out.add(e.setSynonyms(syn));
        }
        return out;
    }
}
