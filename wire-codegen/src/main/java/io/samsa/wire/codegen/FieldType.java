package io.samsa.wire.codegen;

import java.util.Objects;

/**
 * The type of a schema field: a primitive, a struct (by name) or an array of either. Immutable.
 */
public final class FieldType {
    /** The kinds of types the schemas use. */
    public enum Kind {
        INT8, INT16, UINT16, INT32, UINT32, INT64, FLOAT64, BOOL, UUID, STRING, BYTES, RECORDS, STRUCT, ARRAY
    }

    private final Kind kind;
    private final String structName;
    private final FieldType element;

    private FieldType(Kind kind, String structName, FieldType element) {
        this.kind = kind;
        this.structName = structName;
        this.element = element;
    }

    /** Parses a schema type such as {@code int32}, {@code []string} or {@code []TopicData}. */
    public static FieldType parse(String type) {
        if (type.startsWith("[]")) {
            FieldType element = parse(type.substring(2));
            if (element.kind == Kind.ARRAY || element.kind == Kind.RECORDS) {
                throw new IllegalArgumentException("Unsupported array element type in " + type);
            }
            return new FieldType(Kind.ARRAY, null, element);
        }
        switch (type) {
            case "int8":
                return new FieldType(Kind.INT8, null, null);
            case "int16":
                return new FieldType(Kind.INT16, null, null);
            case "uint16":
                return new FieldType(Kind.UINT16, null, null);
            case "int32":
                return new FieldType(Kind.INT32, null, null);
            case "uint32":
                return new FieldType(Kind.UINT32, null, null);
            case "int64":
                return new FieldType(Kind.INT64, null, null);
            case "float64":
                return new FieldType(Kind.FLOAT64, null, null);
            case "bool":
                return new FieldType(Kind.BOOL, null, null);
            case "uuid":
                return new FieldType(Kind.UUID, null, null);
            case "string":
                return new FieldType(Kind.STRING, null, null);
            case "bytes":
                return new FieldType(Kind.BYTES, null, null);
            case "records":
                return new FieldType(Kind.RECORDS, null, null);
            default:
                if (!type.isEmpty() && Character.isUpperCase(type.charAt(0))) {
                    return new FieldType(Kind.STRUCT, type, null);
                }
                throw new IllegalArgumentException("Unknown field type '" + type + "'");
        }
    }

    /** A struct type named {@code name}. */
    public static FieldType struct(String name) {
        return new FieldType(Kind.STRUCT, name, null);
    }

    /** An array of {@code element}. */
    public static FieldType arrayOf(FieldType element) {
        return new FieldType(Kind.ARRAY, null, element);
    }

    public Kind kind() {
        return kind;
    }

    /** The struct's name for a struct, or the element's struct name for an array of structs, else null. */
    public String structName() {
        return kind == Kind.ARRAY ? element.structName : structName;
    }

    public FieldType element() {
        return element;
    }

    public boolean isArray() {
        return kind == Kind.ARRAY;
    }

    public boolean isStruct() {
        return kind == Kind.STRUCT;
    }

    /** Whether values of this type can be null on the wire (given nullableVersions). */
    public boolean canBeNullable() {
        return kind == Kind.STRING || kind == Kind.BYTES || kind == Kind.RECORDS || kind == Kind.ARRAY
            || kind == Kind.STRUCT;
    }

    /** Whether the encoding has a compact (flexible) form. */
    public boolean hasCompactForm() {
        return kind == Kind.STRING || kind == Kind.BYTES || kind == Kind.RECORDS || kind == Kind.ARRAY;
    }

    /** Fixed wire width in bytes, or -1 when variable. */
    public int fixedWidth() {
        switch (kind) {
            case INT8:
            case BOOL:
                return 1;
            case INT16:
            case UINT16:
                return 2;
            case INT32:
            case UINT32:
                return 4;
            case INT64:
            case FLOAT64:
                return 8;
            case UUID:
                return 16;
            default:
                return -1;
        }
    }

    /** Same shape, ignoring struct names (a struct may be renamed between schema releases). */
    public boolean sameShape(FieldType other) {
        if (kind != other.kind) {
            return false;
        }
        return kind != Kind.ARRAY || element.sameShape(other.element);
    }

    /** This type with its struct (or element struct) renamed. */
    public FieldType withStructName(String name) {
        if (kind == Kind.ARRAY) {
            return arrayOf(element.withStructName(name));
        }
        return kind == Kind.STRUCT ? struct(name) : this;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FieldType)) {
            return false;
        }
        FieldType t = (FieldType) o;
        return kind == t.kind && Objects.equals(structName, t.structName) && Objects.equals(element, t.element);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, structName, element);
    }

    @Override
    public String toString() {
        if (kind == Kind.ARRAY) {
            return "[]" + element;
        }
        return kind == Kind.STRUCT ? structName : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
