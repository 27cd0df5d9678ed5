package io.samsa.server.security.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Kafka's {@code ssl.principal.mapping.rules}: maps the distinguished name of a client certificate's subject (RFC
 * 2253, as {@code X500Principal.getName()} writes it: {@code CN=alice,OU=eng,O=acme}) to a user name. The rules are
 * tried in order, separated by commas: {@code RULE:pattern/replacement/} with an optional {@code L} or {@code U}
 * after the last slash (lower or upper case the result), applying where the pattern matches the whole name; {@code
 * DEFAULT} gives the name unchanged. A slash inside a pattern or replacement is written {@code \/}. A name that no
 * rule matches has no principal: the connection fails authentication, as in Kafka.
 *
 * <p>Immutable; thread-safe.
 */
public final class SslPrincipalMapper {
    private final List<Rule> rules;

    private SslPrincipalMapper(List<Rule> rules) {
        this.rules = rules;
    }

    /**
     * Parses the rules.
     *
     * @throws IllegalArgumentException for text that is neither a rule nor DEFAULT, or a pattern that does not compile
     */
    public static SslPrincipalMapper parse(String text) {
        List<Rule> rules = new ArrayList<>();
        String s = text == null ? "" : text;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ',' || Character.isWhitespace(c)) {
                i++;
            } else if (s.startsWith("DEFAULT", i)) {
                rules.add(new Rule(null, null, ' '));
                i += "DEFAULT".length();
            } else if (s.startsWith("RULE:", i)) {
                int patternStart = i + "RULE:".length();
                int patternEnd = slash(s, patternStart, text);
                int replacementEnd = slash(s, patternEnd + 1, text);
                i = replacementEnd + 1;
                char caseChange = ' ';
                if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'U')) {
                    caseChange = s.charAt(i++);
                }
                if (i < s.length() && s.charAt(i) != ',' && !Character.isWhitespace(s.charAt(i))) {
                    throw new IllegalArgumentException("Invalid rule in ssl.principal.mapping.rules: " + text);
                }
                try {
                    rules.add(new Rule(Pattern.compile(s.substring(patternStart, patternEnd)),
                            s.substring(patternEnd + 1, replacementEnd), caseChange));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("Invalid pattern in ssl.principal.mapping.rules: "
                            + e.getMessage());
                }
            } else {
                throw new IllegalArgumentException("Invalid rule in ssl.principal.mapping.rules: " + text);
            }
        }
        if (rules.isEmpty()) {
            rules.add(new Rule(null, null, ' '));
        }
        return new SslPrincipalMapper(List.copyOf(rules));
    }

    /** The index of the next slash not escaped by a backslash, from {@code from}. */
    private static int slash(String s, int from, String text) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '/') {
                return i;
            }
        }
        throw new IllegalArgumentException("Invalid rule in ssl.principal.mapping.rules (expected "
                + "RULE:pattern/replacement/[LU]): " + text);
    }

    /**
     * The user name for {@code distinguishedName}.
     *
     * @throws IllegalArgumentException when no rule matches it
     */
    public String map(String distinguishedName) {
        for (Rule r : rules) {
            String name = r.apply(distinguishedName);
            if (name != null) {
                return name;
            }
        }
        throw new IllegalArgumentException("No rule of ssl.principal.mapping.rules applies to " + distinguishedName);
    }

    /** One rule; a null pattern is DEFAULT. */
    private record Rule(Pattern pattern, String replacement, char caseChange) {
        String apply(String dn) {
            if (pattern == null) {
                return dn;
            }
            Matcher m = pattern.matcher(dn);
            if (!m.matches()) {
                return null;
            }
            String out = m.replaceAll(replacement);
            return switch (caseChange) {
                case 'L' -> out.toLowerCase(Locale.ENGLISH);
                case 'U' -> out.toUpperCase(Locale.ENGLISH);
                default -> out;
            };
        }
    }
}
