package io.samsa.wire.codegen;

/**
 * One field of a message or struct, with every version set resolved to an absolute mask of message
 * versions. Immutable; {@link SchemaMerger} builds new instances for the union of two schemas.
 *
 * @param name        the schema name, UpperCamelCase
 * @param type        the field's type
 * @param versions    versions in which the field exists (as a regular or a tagged field)
 * @param nullable    versions in which the field may be null
 * @param tagged      versions in which the field is a tagged field
 * @param compact     versions in which the field uses the compact (flexible) encoding
 * @param tag         the tag, or -1
 * @param defaultValue the schema default as written, or null when none is given
 * @param ignorable   versions in which a non-default value may be silently dropped when the field does not
 *                    exist there (the schema governing each version decides)
 * @param mapKey      whether the field is a map key of its struct (informational: arrays stay lists)
 * @param struct      the struct for struct and struct-array fields, else null
 * @param about       the schema's description, or empty
 */
public record FieldSpec(String name, FieldType type, long versions, long nullable, long tagged, long compact,
                        int tag, String defaultValue, long ignorable, boolean mapKey, StructSpec struct,
                        String about) {

    /** Versions where the field is a regular (untagged) part of the layout. */
    public long regular() {
        return versions & ~tagged;
    }

    /** This field with another struct. */
    public FieldSpec withStruct(StructSpec s) {
        return new FieldSpec(name, s == null ? type : type.withStructName(s.name()), versions, nullable, tagged,
            compact, tag, defaultValue, ignorable, mapKey, s, about);
    }

    /** This field restricted to the versions of {@code mask}. */
    public FieldSpec restrict(long mask, StructSpec s) {
        return new FieldSpec(name, s == null ? type : type.withStructName(s.name()), versions & mask,
            nullable & mask, tagged & mask, compact & mask, tag, defaultValue, ignorable, mapKey, s, about);
    }
}
