package io.samsa.server.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.Test;

class KeyMaterialTest {
    /** The broker's private key as encrypted PKCS#8 PEM (PBES2 with AES-256), as {@code openssl pkcs8} writes it. */
    private static String encryptedKeyPem(String password) throws Exception {
        TestCertificates c = TestCertificates.get();
        Path clear = c.dir.resolve("broker-key.pem");
        Path encrypted = c.dir.resolve("broker-key-encrypted.pem");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:" + password,
                    "-in", clear.toString(), "-out", encrypted.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "openssl is not installed");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        String pem = Files.readString(encrypted);
        assertTrue(pem.contains("BEGIN ENCRYPTED PRIVATE KEY"), pem);
        return pem;
    }

    private static Map<String, String> pem(String key, String password) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("ssl.keystore.type", "PEM");
        p.put("ssl.keystore.certificate.chain", TestCertificates.get().chainPem("broker"));
        p.put("ssl.keystore.key", key);
        if (password != null) {
            p.put("ssl.key.password", password);
        }
        return p;
    }

    private static String subjectOf(KeyManagerFactory kmf) {
        X509KeyManager km = (X509KeyManager) kmf.getKeyManagers()[0];
        String alias = km.getServerAliases("EC", null)[0];
        X509Certificate[] chain = km.getCertificateChain(alias);
        assertEquals(2, chain.length, "the certificate and its CA");
        return chain[0].getSubjectX500Principal().getName();
    }

    @Test
    void inlinePemWithAClearKey() throws Exception {
        KeyManagerFactory kmf = KeyMaterial.keyManagers(SslSettings.of(pem(TestCertificates.get().keyPem("broker"),
                null), "SSL"));
        assertEquals("CN=localhost,O=Samsa", subjectOf(kmf));
    }

    @Test
    void encryptedPkcs8KeyNeedsItsPassword() throws Exception {
        String key = encryptedKeyPem("k3y");
        assertEquals("CN=localhost,O=Samsa", subjectOf(KeyMaterial.keyManagers(SslSettings.of(pem(key, "k3y"),
                "SSL"))));
        assertThrows(GeneralSecurityException.class, () -> KeyMaterial.keyManagers(SslSettings.of(pem(key, "wrong"),
                "SSL")));
        GeneralSecurityException missing = assertThrows(GeneralSecurityException.class,
                () -> KeyMaterial.keyManagers(SslSettings.of(pem(key, null), "SSL")));
        assertTrue(missing.getMessage().contains("ssl.key.password"), missing.getMessage());
    }

    @Test
    void storesByFileInEachFormat() throws Exception {
        TestCertificates c = TestCertificates.get();
        for (String type : new String[] {"JKS", "PKCS12"}) {
            SslSettings s = SslSettings.of(c.brokerStores(type), "SSL");
            assertEquals("CN=localhost,O=Samsa", subjectOf(KeyMaterial.keyManagers(s)));
            assertNotNull(KeyMaterial.trustManagers(s));
        }
        Map<String, String> p = new HashMap<>();
        p.put("ssl.keystore.type", "PEM");
        Path file = c.dir.resolve("broker-combined.pem");
        Files.writeString(file, c.keyPem("broker") + c.chainPem("broker"));
        p.put("ssl.keystore.location", file.toString());
        assertEquals("CN=localhost,O=Samsa", subjectOf(KeyMaterial.keyManagers(SslSettings.of(p, "SSL"))));
    }

    @Test
    void pemTrustStoreHoldsEveryCertificate() throws Exception {
        TestCertificates c = TestCertificates.get();
        assertEquals(2, KeyMaterial.certificates(c.caPem("ca") + c.caPem("wrong-ca")).size());
        SslSettings s = SslSettings.of(Map.of("ssl.truststore.type", "PEM", "ssl.truststore.certificates",
                c.caPem("ca")), "SSL");
        assertNotNull(KeyMaterial.trustManagers(s));
        assertNull(KeyMaterial.trustManagers(SslSettings.of(Collections.emptyMap(), "SSL")), "the JDK's anchors");
        assertThrows(GeneralSecurityException.class, () -> KeyMaterial.trustManagers(SslSettings.of(Map.of(
                "ssl.truststore.type", "PEM", "ssl.truststore.certificates", "not a certificate"), "SSL")));
    }

    @Test
    void aKeyWithoutItsChainIsRefused() throws Exception {
        Map<String, String> p = pem(TestCertificates.get().keyPem("broker"), null);
        p.remove("ssl.keystore.certificate.chain");
        assertThrows(GeneralSecurityException.class, () -> KeyMaterial.keyManagers(SslSettings.of(p, "SSL")));
    }
}
