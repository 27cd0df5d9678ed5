package io.samsa.controller;

import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.ConfigType;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.TopicImage;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The config admin logic: validates AlterConfigs (full replacement) and IncrementalAlterConfigs
 * (SET, DELETE, APPEND, SUBTRACT; KIP-339) for topic and broker resources, and turns valid changes
 * into {@code ConfigRecord}s. Changes nothing itself.
 *
 * <p>Not thread-safe: runs on the controller thread.
 */
final class ConfigControl {

    ControllerResult<List<ApiResult<ConfigResource>>> alterConfigs(MetadataImage image,
                                                                   List<AlterConfigsRequest> resources,
                                                                   boolean incremental, boolean validateOnly) {
        Map<ConfigResource, Integer> counts = new HashMap<>();
        for (AlterConfigsRequest r : resources) {
            counts.merge(r.resource(), 1, Integer::sum);
        }
        List<Message> records = new ArrayList<>();
        List<ApiResult<ConfigResource>> results = new ArrayList<>(resources.size());
        for (AlterConfigsRequest r : resources) {
            if (counts.get(r.resource()) > 1) {
                results.add(new ApiResult<>(r.resource(), ErrorCode.INVALID_REQUEST, "Duplicate resource in request."));
                continue;
            }
            try {
                records.addAll(alter(image, r, incremental));
                results.add(ApiResult.ok(r.resource()));
            } catch (SamsaException e) {
                results.add(new ApiResult<>(r.resource(), e.errorCode(), e.getMessage()));
            }
        }
        return new ControllerResult<>(validateOnly ? List.of() : records, results);
    }

    private List<Message> alter(MetadataImage image, AlterConfigsRequest r, boolean incremental) {
        ConfigResource resource = r.resource();
        Map<String, String> current = currentConfigs(image, resource);
        Set<String> keys = new HashSet<>();
        for (AlterConfigOp op : r.ops()) {
            if (!keys.add(op.key())) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys");
            }
        }
        Map<String, String> next = incremental ? new HashMap<>(current) : new HashMap<>();
        for (AlterConfigOp op : r.ops()) {
            checkKnown(resource, op.key());
            AlterConfigOp.OpType type = incremental ? op.op() : AlterConfigOp.OpType.SET;
            switch (type) {
                case SET -> {
                    validate(resource, op.key(), op.value());
                    next.put(op.key(), op.value());
                }
                case DELETE -> next.remove(op.key());
                case APPEND, SUBTRACT -> next.put(op.key(), listChange(resource, op, type, current));
                default -> throw new SamsaException(ErrorCode.INVALID_REQUEST, "Unknown operation " + type);
            }
        }
        List<Message> records = new ArrayList<>();
        Set<String> touched = new LinkedHashSet<>(new TreeMap<>(current).keySet());
        touched.addAll(new TreeMap<>(next).keySet());
        for (String key : touched) {
            String before = current.get(key);
            String after = next.get(key);
            if (after == null ? before != null : !after.equals(before)) {
                records.add(MetadataImage.configRecord(resource.type(), resource.name(), key, after));
            }
        }
        return records;
    }

    private static Map<String, String> currentConfigs(MetadataImage image, ConfigResource resource) {
        if (resource.type() == ConfigResource.Type.TOPIC) {
            TopicImage topic = image.topic(resource.name());
            if (topic == null) {
                throw new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    "The topic '" + resource.name() + "' does not exist.");
            }
            return topic.configs();
        }
        String name = resource.name();
        if (!name.isEmpty()) {
            boolean ok;
            try {
                ok = Integer.parseInt(name) >= 0;
            } catch (NumberFormatException e) {
                ok = false;
            }
            if (!ok) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "Invalid broker name '" + name
                    + "': expected a node id, or the empty name for the cluster default.");
            }
        }
        return image.brokerConfigs(name);
    }

    private static void checkKnown(ConfigResource resource, String key) {
        if (resource.type() == ConfigResource.Type.TOPIC) {
            if (TopicConfigs.key(key) == null) {
                throw new SamsaException(ErrorCode.INVALID_CONFIG, "Unknown topic config name: " + key);
            }
        } else if (TopicConfigs.forBrokerSynonym(key) == null && !TopicConfigs.isDynamicBrokerOnly(key)) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Unknown or non-dynamic broker config: " + key);
        }
    }

    private static void validate(ConfigResource resource, String key, String value) {
        if (resource.type() == ConfigResource.Type.TOPIC) {
            TopicConfigs.validate(key, value);
        } else {
            TopicConfigs.validateBrokerConfig(key, value);
        }
    }

    /** APPEND adds the values not yet present; SUBTRACT removes them; both only for list configs. */
    private static String listChange(ConfigResource resource, AlterConfigOp op, AlterConfigOp.OpType type,
                                     Map<String, String> current) {
        TopicConfigs.Key key = resource.type() == ConfigResource.Type.TOPIC ? TopicConfigs.key(op.key())
            : TopicConfigs.forBrokerSynonym(op.key());
        if (key == null || key.type() != ConfigType.LIST) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Config value " + type.name().toLowerCase()
                + " is not allowed for config key: " + op.key());
        }
        if (op.value() == null) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Null value not supported for " + op.key());
        }
        String base = current.get(op.key());
        if (base == null) {
            base = resource.type() == ConfigResource.Type.TOPIC ? key.defaultValue() : "";
        }
        List<String> values = split(base);
        List<String> change = split(op.value());
        if (type == AlterConfigOp.OpType.APPEND) {
            for (String v : change) {
                if (!values.contains(v)) {
                    values.add(v);
                }
            }
        } else {
            values.removeAll(change);
        }
        String result = String.join(",", values);
        validate(resource, op.key(), result);
        return result;
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (!s.trim().isEmpty()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
