package io.samsa.coordinator;

/**
 * What the coordinator knows about a request besides its body: the version it was sent at (behaviour
 * differs by version) and the client, for DescribeGroups' member listings. Immutable.
 */
public record RequestMeta(short apiVersion, String clientId, String clientHost) {

    public static RequestMeta of(int apiVersion) {
        return new RequestMeta((short) apiVersion, "", "");
    }
}
