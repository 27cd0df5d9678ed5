package io.samsa.server.security.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads a listener's key store and trust store as Kafka accepts them: JKS or PKCS12 files, or PEM ({@code
 * ssl.keystore.type=PEM}) from a file or inline ({@code ssl.keystore.certificate.chain} and {@code ssl.keystore.key};
 * {@code ssl.truststore.certificates}). A PEM private key is PKCS#8, clear or encrypted with {@code ssl.key.password}.
 *
 * <p>Stateless; reads files (blocking): call it at start-up or from a reload, never on an event loop.
 */
public final class KeyMaterial {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final char[] EMPTY = new char[0];

    private KeyMaterial() {
    }

    /** The key managers of {@code s}'s key store; null when none is configured. */
    public static KeyManagerFactory keyManagers(SslSettings s) throws GeneralSecurityException, IOException {
        if (!s.hasKeystore()) {
            return null;
        }
        KeyStore store;
        char[] keyPassword;
        if ("PEM".equals(s.keystoreType())) {
            String text = s.keystoreLocation() != null ? read(s.keystoreLocation())
                    : s.keystoreCertificateChain() + "\n" + s.keystoreKey();
            if (s.keystoreLocation() != null && s.keystoreCertificateChain() != null) {
                throw new GeneralSecurityException(SslSettings.KEYSTORE_LOCATION + " and "
                        + SslSettings.KEYSTORE_CERTIFICATE_CHAIN + " are both set for listener "
                        + s.listenerName() + ": set one");
            }
            keyPassword = s.keyPassword() == null ? EMPTY : s.keyPassword().toCharArray();
            store = pemKeyStore(text, s.keyPassword(), keyPassword);
        } else {
            if (s.keystoreLocation() == null) {
                throw new GeneralSecurityException("Inline " + SslSettings.KEYSTORE_KEY + " needs "
                        + SslSettings.KEYSTORE_TYPE + "=PEM (listener " + s.listenerName() + ")");
            }
            char[] storePassword = s.keystorePassword() == null ? null : s.keystorePassword().toCharArray();
            store = load(s.keystoreType(), s.keystoreLocation(), storePassword);
            // Kafka's rule: ssl.key.password, else the key store's password.
            keyPassword = s.keyPassword() != null ? s.keyPassword().toCharArray()
                    : storePassword == null ? EMPTY : storePassword;
        }
        String algorithm = s.keyManagerAlgorithm() != null ? s.keyManagerAlgorithm()
                : KeyManagerFactory.getDefaultAlgorithm();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(algorithm);
        kmf.init(store, keyPassword);
        return kmf;
    }

    /** The trust managers of {@code s}'s trust store; null (the JDK's trust anchors) when none is configured. */
    public static TrustManagerFactory trustManagers(SslSettings s) throws GeneralSecurityException, IOException {
        if (!s.hasTruststore()) {
            return null;
        }
        KeyStore store;
        if ("PEM".equals(s.truststoreType())) {
            String text = s.truststoreLocation() != null ? read(s.truststoreLocation()) : s.truststoreCertificates();
            List<Certificate> certs = certificates(text);
            if (certs.isEmpty()) {
                throw new GeneralSecurityException("No certificate in the PEM trust store of listener "
                        + s.listenerName());
            }
            store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                store.setCertificateEntry("ca-" + i, certs.get(i));
            }
        } else {
            store = load(s.truststoreType(), s.truststoreLocation(),
                    s.truststorePassword() == null ? null : s.truststorePassword().toCharArray());
        }
        String algorithm = s.trustManagerAlgorithm() != null ? s.trustManagerAlgorithm()
                : TrustManagerFactory.getDefaultAlgorithm();
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(algorithm);
        tmf.init(store);
        return tmf;
    }

    private static KeyStore load(String type, String location, char[] password)
            throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, password);
        }
        return store;
    }

    private static String read(String location) throws IOException {
        return Files.readString(Path.of(location), StandardCharsets.US_ASCII);
    }

    /** An in-memory store with the PEM text's private key and its certificate chain, under {@code keyPassword}. */
    static KeyStore pemKeyStore(String text, String pemPassword, char[] keyPassword)
            throws GeneralSecurityException, IOException {
        PrivateKey key = null;
        List<Certificate> chain = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (m.group(1)) {
                case "CERTIFICATE" -> chain.add(cf.generateCertificate(new ByteArrayInputStream(der)));
                case "PRIVATE KEY" -> key = privateKey(der);
                case "ENCRYPTED PRIVATE KEY" -> key = decrypt(der, pemPassword);
                default -> throw new GeneralSecurityException("Unsupported PEM block " + m.group(1)
                        + ": keys must be PKCS#8 (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY)");
            }
        }
        if (key == null || chain.isEmpty()) {
            throw new GeneralSecurityException("A PEM key store needs a private key and its certificate chain");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", key, keyPassword, chain.toArray(new Certificate[0]));
        return store;
    }

    /** Every certificate in a PEM text. */
    static List<Certificate> certificates(String text) throws GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<Certificate> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals("CERTIFICATE")) {
                out.add(cf.generateCertificate(new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(2)))));
            }
        }
        return out;
    }

    private static PrivateKey decrypt(byte[] der, String password) throws GeneralSecurityException, IOException {
        if (password == null) {
            throw new GeneralSecurityException("The PEM private key is encrypted and " + SslSettings.KEY_PASSWORD
                    + " is not set");
        }
        EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
        // PBES2 names its cipher in its parameters (PBEWithHmacSHA256AndAES_256, as openssl pkcs8 writes it).
        String algorithm = info.getAlgName().equals("PBES2") || info.getAlgName().startsWith("1.2.840.113549.1.5.13")
                ? info.getAlgParameters().toString() : info.getAlgName();
        SecretKeyFactory skf = SecretKeyFactory.getInstance(algorithm);
        Cipher cipher = Cipher.getInstance(algorithm);
        cipher.init(Cipher.DECRYPT_MODE, skf.generateSecret(new PBEKeySpec(password.toCharArray())),
                info.getAlgParameters());
        return privateKey(info.getKeySpec(cipher).getEncoded());
    }

    private static PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "DSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // the next algorithm
            }
        }
        throw new GeneralSecurityException("The PEM private key is neither RSA, EC, Ed25519 nor DSA");
    }
}
