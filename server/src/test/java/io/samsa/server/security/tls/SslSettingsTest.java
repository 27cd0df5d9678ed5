package io.samsa.server.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SslSettingsTest {
    @Test
    void kafkaDefaults() {
        SslSettings s = SslSettings.of(Map.of(), "SSL");
        assertEquals("JKS", s.keystoreType());
        assertEquals("JKS", s.truststoreType());
        assertEquals(SslSettings.ClientAuth.NONE, s.clientAuth());
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), s.enabledProtocols());
        assertEquals("TLSv1.3", s.protocol());
        assertEquals(List.of(), s.cipherSuites());
        assertTrue(s.verifiesHostname());
        assertFalse(s.hasKeystore());
        assertFalse(s.hasTruststore());
        assertEquals("DEFAULT", s.principalMappingRules());
    }

    @Test
    void listenerKeysOverrideThePlainOnes() {
        Map<String, String> props = Map.of(
                "ssl.keystore.location", "/plain.jks",
                "ssl.client.auth", "requested",
                "listener.name.internal.ssl.keystore.location", "/internal.p12",
                "listener.name.internal.ssl.keystore.type", "pkcs12",
                "listener.name.internal.ssl.client.auth", "required",
                "listener.name.internal.ssl.endpoint.identification.algorithm", "");
        SslSettings internal = SslSettings.of(props, "INTERNAL");
        assertEquals("/internal.p12", internal.keystoreLocation());
        assertEquals("PKCS12", internal.keystoreType());
        assertEquals(SslSettings.ClientAuth.REQUIRED, internal.clientAuth());
        assertFalse(internal.verifiesHostname());
        SslSettings external = SslSettings.of(props, "EXTERNAL");
        assertEquals("/plain.jks", external.keystoreLocation());
        assertEquals(SslSettings.ClientAuth.REQUESTED, external.clientAuth());
        assertTrue(external.verifiesHostname());
        assertNull(external.keystorePassword());
    }

    @Test
    void listsAreTrimmed() {
        SslSettings s = SslSettings.of(Map.of("ssl.enabled.protocols", " TLSv1.3 ,",
                "ssl.cipher.suites", "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384"), "SSL");
        assertEquals(List.of("TLSv1.3"), s.enabledProtocols());
        assertEquals(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"), s.cipherSuites());
    }

    @Test
    void badClientAuthNamesItsKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SslSettings.of(
                Map.of("listener.name.ssl.ssl.client.auth", "always"), "SSL"));
        assertTrue(e.getMessage().contains("listener.name.ssl.ssl.client.auth"), e.getMessage());
    }

    @Test
    void passwordsStayOutOfToString() {
        String s = SslSettings.of(Map.of("ssl.keystore.password", "s3cret", "ssl.key.password", "k3y"), "SSL")
                .toString();
        assertFalse(s.contains("s3cret") || s.contains("k3y"), s);
    }
}
