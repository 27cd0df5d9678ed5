package io.samsa.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PrincipalTest {

    @Test
    void parsesTypeAndNameAtTheFirstColon() {
        Principal p = Principal.parse("User:CN=broker,O=Samsa:ops");
        assertEquals("User", p.type());
        assertEquals("CN=broker,O=Samsa:ops", p.name());
        assertEquals("User:CN=broker,O=Samsa:ops", p.toString());
        assertEquals(Principal.user("alice"), Principal.parse("User:alice"));
        assertEquals("User:ANONYMOUS", Principal.ANONYMOUS.toString());
    }

    @Test
    void refusesAPrincipalWithoutAType() {
        assertThrows(IllegalArgumentException.class, () -> Principal.parse("alice"));
        assertThrows(IllegalArgumentException.class, () -> Principal.parse(":alice"));
    }
}
