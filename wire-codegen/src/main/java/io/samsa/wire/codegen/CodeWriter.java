package io.samsa.wire.codegen;

/**
 * Accumulates Java source with four-space indentation. Build-time only; not thread-safe.
 */
public final class CodeWriter {
    private final StringBuilder sb = new StringBuilder();
    private int indent;

    /** Appends one line at the current indentation (an empty string gives an empty line). */
    public CodeWriter line(String text) {
        if (!text.isEmpty()) {
            sb.append("    ".repeat(indent)).append(text);
        }
        sb.append('\n');
        return this;
    }

    /** Appends {@code text} and opens a block: the text should end with "{". */
    public CodeWriter open(String text) {
        line(text);
        indent++;
        return this;
    }

    /** Closes a block with "}" (or the given closing text, such as "} else {"). */
    public CodeWriter close(String text) {
        indent--;
        line(text);
        return this;
    }

    public CodeWriter close() {
        return close("}");
    }

    /** Closes the current block and opens the next one at the same level, e.g. "} else {". */
    public CodeWriter reopen(String text) {
        indent--;
        line(text);
        indent++;
        return this;
    }

    /** Lowers the indentation without writing anything (after a switch's last case). */
    public CodeWriter dedent() {
        indent--;
        return this;
    }

    public int indent() {
        return indent;
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
