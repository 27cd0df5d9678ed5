package io.samsa.server.security.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for the TLS tests, made with the JDK's keytool in a temporary directory: a test CA, a broker
 * certificate for {@code localhost} and {@code 127.0.0.1} signed by it, its renewal ({@code O=Renewed}), a client
 * certificate ({@code CN=alice,OU=eng,O=Samsa}) signed by it, and a second CA that signed nothing the broker trusts ("the wrong CA"), each as PKCS12,
 * JKS and PEM.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-pass";
    public static final String CLIENT_DN = "CN=alice,OU=eng,O=Samsa";

    private static TestCertificates instance;

    public final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /**
     * The certificates, made on first use into the module's {@code target/test-certificates} (reused by later runs
     * while they are valid: keytool is slow on a loaded machine).
     */
    public static synchronized TestCertificates get() throws IOException, InterruptedException {
        if (instance == null) {
            Path dir = Path.of("target", "test-certificates").toAbsolutePath();
            Path done = dir.resolve("complete");
            if (Files.exists(done) && Files.getLastModifiedTime(done).toMillis()
                    > System.currentTimeMillis() - TimeUnit.DAYS.toMillis(20)) {
                instance = new TestCertificates(dir);
                return instance;
            }
            if (Files.exists(dir)) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
            Files.createDirectories(dir);
            TestCertificates c = new TestCertificates(dir);
            c.ca("ca", "CN=Samsa Test CA");
            c.ca("wrong-ca", "CN=Wrong CA");
            c.signed("broker", "CN=localhost,O=Samsa", "ca", "san=dns:localhost,ip:127.0.0.1");
            c.signed("broker-renewed", "CN=localhost,O=Renewed", "ca", "san=dns:localhost,ip:127.0.0.1");
            c.signed("client", CLIENT_DN, "ca", null);
            c.signed("stranger", "CN=mallory,O=Elsewhere", "wrong-ca", "san=dns:localhost,ip:127.0.0.1");
            c.trustStore("truststore", "ca");
            c.trustStore("wrong-truststore", "wrong-ca");
            Files.writeString(done, "");
            instance = c;
        }
        return instance;
    }

    /** {@code name}'s key store: {@code name.p12} (PKCS12) or {@code name.jks} (JKS). */
    public Path keyStore(String name, String type) {
        return dir.resolve(name + ("JKS".equals(type) ? ".jks" : ".p12"));
    }

    /** {@code name}'s certificate chain in PEM (its certificate, then its CA's). */
    public String chainPem(String name) throws IOException {
        return Files.readString(dir.resolve(name + "-chain.pem"));
    }

    /** {@code name}'s private key as clear PKCS#8 PEM. */
    public String keyPem(String name) throws IOException {
        return Files.readString(dir.resolve(name + "-key.pem"));
    }

    /** The broker's key store and the test CA's trust store as a broker's {@code ssl.*} keys, in {@code type}. */
    public java.util.Map<String, String> brokerStores(String type) {
        java.util.Map<String, String> p = new java.util.HashMap<>();
        p.put("ssl.keystore.type", type);
        p.put("ssl.keystore.location", keyStore("broker", type).toString());
        p.put("ssl.keystore.password", PASSWORD);
        p.put("ssl.truststore.type", type);
        p.put("ssl.truststore.location", keyStore("truststore", type).toString());
        p.put("ssl.truststore.password", PASSWORD);
        return p;
    }

    /** {@code name}'s key managers (its PKCS12 key store), for a test's own TLS client. */
    public javax.net.ssl.KeyManager[] keyManagers(String name) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore(name, "PKCS12"))) {
            ks.load(in, PASSWORD.toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        return kmf.getKeyManagers();
    }

    /** A CA's certificate in PEM. */
    public String caPem(String ca) throws IOException {
        return Files.readString(dir.resolve(ca + ".pem"));
    }

    private void ca(String name, String dn) throws IOException, InterruptedException {
        keytool("-genkeypair", "-alias", name, "-dname", dn, "-keyalg", "EC", "-groupname", "secp256r1",
                "-ext", "bc:c", "-validity", "30", "-keystore", dir.resolve(name + ".p12").toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", dir.resolve(name + ".p12").toString(),
                "-storepass", PASSWORD, "-file", dir.resolve(name + ".pem").toString());
    }

    private void signed(String name, String dn, String ca, String san) throws IOException, InterruptedException {
        String p12 = dir.resolve(name + ".p12").toString();
        keytool("-genkeypair", "-alias", name, "-dname", dn, "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "30", "-keystore", p12, "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", p12, "-storepass", PASSWORD, "-file",
                dir.resolve(name + ".csr").toString());
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", ca, "-keystore",
                dir.resolve(ca + ".p12").toString(), "-storepass", PASSWORD, "-validity", "30", "-infile",
                dir.resolve(name + ".csr").toString(), "-outfile", dir.resolve(name + ".crt").toString()));
        if (san != null) {
            gencert.add("-ext");
            gencert.add(san);
        }
        keytool(gencert.toArray(new String[0]));
        keytool("-importcert", "-noprompt", "-alias", ca, "-file", dir.resolve(ca + ".pem").toString(),
                "-keystore", p12, "-storepass", PASSWORD);
        keytool("-importcert", "-noprompt", "-alias", name, "-file", dir.resolve(name + ".crt").toString(),
                "-keystore", p12, "-storepass", PASSWORD);
        keytool("-importkeystore", "-noprompt", "-srckeystore", p12, "-srcstoretype", "PKCS12", "-srcstorepass",
                PASSWORD, "-destkeystore", dir.resolve(name + ".jks").toString(), "-deststoretype", "JKS",
                "-deststorepass", PASSWORD);
        Files.writeString(dir.resolve(name + "-chain.pem"), Files.readString(dir.resolve(name + ".crt")).trim()
                + "\n" + Files.readString(dir.resolve(ca + ".pem")).trim() + "\n");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            Key key = ks.getKey(name, PASSWORD.toCharArray());
            Files.writeString(dir.resolve(name + "-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(
                    key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private void trustStore(String name, String ca) throws IOException, InterruptedException {
        for (String type : new String[] {"JKS", "PKCS12"}) {
            keytool("-importcert", "-noprompt", "-alias", ca, "-file", dir.resolve(ca + ".pem").toString(),
                    "-keystore", keyStore(name, type).toString(), "-storetype", type, "-storepass", PASSWORD);
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: "
                    + new String(out, StandardCharsets.UTF_8));
        }
    }
}
