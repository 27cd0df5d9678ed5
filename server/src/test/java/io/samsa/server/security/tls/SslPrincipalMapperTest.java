package io.samsa.server.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SslPrincipalMapperTest {
    private static final String DN = "CN=alice,OU=eng,O=Samsa,C=GB";

    @Test
    void defaultKeepsTheWholeDistinguishedName() {
        assertEquals(DN, SslPrincipalMapper.parse("DEFAULT").map(DN));
        assertEquals(DN, SslPrincipalMapper.parse("").map(DN));
    }

    @Test
    void firstMatchingRuleWinsAndReplacesWithGroups() {
        SslPrincipalMapper m = SslPrincipalMapper.parse(
                "RULE:^CN=(.*?),OU=ops,.*$/ops-$1/, RULE:^CN=(.*?),OU=(.*?),O=(.*?),C=(.*?)$/$1@$2/, DEFAULT");
        assertEquals("alice@eng", m.map(DN));
        assertEquals("ops-bob", m.map("CN=bob,OU=ops,O=Samsa,C=GB"));
        assertEquals("CN=carol", m.map("CN=carol"));
    }

    @Test
    void lowerAndUpperCaseFlags() {
        assertEquals("ALICE", SslPrincipalMapper.parse("RULE:^CN=([a-z]+),.*$/$1/U").map(DN));
        assertEquals("alice", SslPrincipalMapper.parse("RULE:^CN=([A-Za-z]+),.*$/$1/L")
                .map("CN=ALICE,O=X"));
    }

    @Test
    void escapedSlashAndCommaInsideARule() {
        SslPrincipalMapper m = SslPrincipalMapper.parse("RULE:^CN=([^,]+),O=(.*)$/$2\\/$1/,DEFAULT");
        assertEquals("Samsa,C=GB/alice", m.map("CN=alice,O=Samsa,C=GB"));
    }

    @Test
    void noMatchingRuleHasNoPrincipal() {
        SslPrincipalMapper m = SslPrincipalMapper.parse("RULE:^CN=(.*?),OU=ops,.*$/$1/");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.map(DN));
        assertEquals("No rule of ssl.principal.mapping.rules applies to " + DN, e.getMessage());
    }

    @Test
    void malformedRulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SslPrincipalMapper.parse("RULE:^CN=(.*)$"));
        assertThrows(IllegalArgumentException.class, () -> SslPrincipalMapper.parse("RULE:^CN=(.*)$/$1/X"));
        assertThrows(IllegalArgumentException.class, () -> SslPrincipalMapper.parse("RULE:(/$1/"));
        assertThrows(IllegalArgumentException.class, () -> SslPrincipalMapper.parse("NOPE"));
    }
}
