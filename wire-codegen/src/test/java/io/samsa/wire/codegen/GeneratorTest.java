package io.samsa.wire.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The generator on tiny hand-written schemas, one construct at a time. The generated code's
 * behaviour on the wire is tested in the wire module against the official client.
 */
class GeneratorTest {

    private static MessageSpec schema(String validVersions, String flexibleVersions, String fields) {
        return SchemaReader.parse("// a comment line\n{ \"apiKey\": 90, \"type\": \"request\", \"name\": \"TinyRequest\","
            + " \"validVersions\": \"" + validVersions + "\", \"flexibleVersions\": \"" + flexibleVersions + "\","
            + " \"fields\": [" + fields + "] }", "TinyRequest.json");
    }

    private static FieldSpec field(MessageSpec m, String name) {
        for (FieldSpec f : m.root().fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new AssertionError("no field " + name);
    }

    @Test
    void jsonReaderSkipsCommentsButNotInsideStringsAndLetsTheLastRepeatedKeyWin() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse("// header\n{ \"a\": \"http://x\", // tail\n"
            + " /* block */ \"n\": -2, \"h\": 16, \"a\": \"again\", \"l\": [true, null, 1.5] }");
        assertEquals("again", m.get("a"));
        assertEquals(-2L, m.get("n"));
        assertEquals(List.of(true, 1.5), List.of(((List<?>) m.get("l")).get(0), ((List<?>) m.get("l")).get(2)));
        assertNull(((List<?>) m.get("l")).get(1));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{ \"a\": }"));
    }

    @Test
    void versionRangesParseAndConditionsUseImpossibleVersionsToSimplify() {
        assertEquals(0L, Versions.parse("none"));
        assertEquals(0b1000L, Versions.parse("3"));
        assertEquals(0b1110L, Versions.parse("1-3"));
        assertEquals(-1L << 2, Versions.parse("2+"));
        assertEquals("0-3,7", Versions.describe(Versions.parse("0-3") | Versions.parse("7")));
        long valid = Versions.parse("0-9");
        assertEquals("true", Versions.condition(Versions.parse("0+"), valid, "v"));
        assertEquals("false", Versions.condition(Versions.parse("10+"), valid, "v"));
        assertEquals("v >= 4", Versions.condition(Versions.parse("4+"), valid, "v"));
        assertEquals("v <= 3", Versions.condition(Versions.parse("0-3"), valid, "v"));
        assertEquals("(v >= 2 && v <= 5)", Versions.condition(Versions.parse("2-5"), valid, "v"));
        assertEquals("(v <= 1 || v >= 8)", Versions.condition(Versions.parse("0-1") | Versions.parse("8+"), valid,
            "v"));
        assertEquals("v >= 4", Versions.condition(Versions.parse("4+"), Versions.parse("3-12"), "v"));
    }

    @Test
    void nullableAndFlexibleVersionsAreMasksWithinValidVersions() {
        MessageSpec m = schema("0-5", "3+", "{ \"name\": \"Name\", \"type\": \"string\", \"versions\": \"1+\","
            + " \"nullableVersions\": \"4+\", \"about\": \"x\" },"
            + "{ \"name\": \"ClientId\", \"type\": \"string\", \"versions\": \"0+\", \"flexibleVersions\": \"none\" }");
        FieldSpec name = field(m, "Name");
        assertEquals(Versions.parse("1-5"), name.versions());
        assertEquals(Versions.parse("4-5"), name.nullable());
        assertEquals(Versions.parse("3-5"), name.compact());
        assertEquals(0L, field(m, "ClientId").compact(), "a field-level flexibleVersions overrides the message's");
        String code = MessageGenerator.generate(m);
        assertTrue(code.contains("ProtocolCodec.readString(buf, version >= 3, version >= 4, \"Name\")"), code);
        assertTrue(code.contains("ProtocolCodec.readString(buf, false, false, \"ClientId\")"), code);
    }

    @Test
    void defaultsCoverNullHexNegativeAndBooleans() {
        MessageSpec m = schema("0", "none", "{ \"name\": \"A\", \"type\": \"int32\", \"versions\": \"0+\", \"default\": \"0x7fffffff\" },"
            + "{ \"name\": \"B\", \"type\": \"int64\", \"versions\": \"0+\", \"default\": -1 },"
            + "{ \"name\": \"C\", \"type\": \"int8\", \"versions\": \"0+\", \"default\": \"-2\" },"
            + "{ \"name\": \"D\", \"type\": \"bool\", \"versions\": \"0+\", \"default\": \"true\" },"
            + "{ \"name\": \"E\", \"type\": \"string\", \"versions\": \"0+\", \"nullableVersions\": \"0+\", \"default\": \"null\" },"
            + "{ \"name\": \"F\", \"type\": \"[]int32\", \"versions\": \"0+\" },"
            + "{ \"name\": \"G\", \"type\": \"uuid\", \"versions\": \"0+\" },"
            + "{ \"name\": \"H\", \"type\": \"float64\", \"versions\": \"0+\", \"default\": \"1.5\" }");
        assertEquals("2147483647", MessageGenerator.defaultExpr(field(m, "A")));
        assertEquals("-1L", MessageGenerator.defaultExpr(field(m, "B")));
        assertEquals("(byte) -2", MessageGenerator.defaultExpr(field(m, "C")));
        assertEquals("true", MessageGenerator.defaultExpr(field(m, "D")));
        assertEquals("null", MessageGenerator.defaultExpr(field(m, "E")));
        assertEquals("new ArrayList<>(0)", MessageGenerator.defaultExpr(field(m, "F")));
        assertEquals("ProtocolCodec.ZERO_UUID", MessageGenerator.defaultExpr(field(m, "G")));
        assertEquals("1.5", MessageGenerator.defaultExpr(field(m, "H")));
        MessageSpec bad = schema("0", "none", "{ \"name\": \"A\", \"type\": \"int8\", \"versions\": \"0+\", \"default\": \"300\" }");
        assertThrows(IllegalArgumentException.class, () -> MessageGenerator.defaultExpr(field(bad, "A")));
    }

    @Test
    void taggedFieldsAreReadBySwitchAndWrittenInTagOrderWithUnknownOnesInterleaved() {
        MessageSpec m = schema("0-2", "1+", "{ \"name\": \"X\", \"type\": \"int32\", \"versions\": \"0+\" },"
            + "{ \"name\": \"Late\", \"type\": \"string\", \"versions\": \"2+\", \"taggedVersions\": \"2+\", \"tag\": 5,"
            + " \"nullableVersions\": \"2+\", \"default\": \"null\" },"
            + "{ \"name\": \"Early\", \"type\": \"int64\", \"versions\": \"1+\", \"taggedVersions\": \"1+\", \"tag\": \"0\","
            + " \"default\": -1 }");
        assertEquals(0L, field(m, "Early").regular());
        String code = MessageGenerator.generate(m);
        assertTrue(code.contains("case 0: {"), code);
        assertTrue(code.contains("case 5: {"), code);
        int early = code.indexOf("ProtocolCodec.writeUnsignedVarint(buf, 0);");
        int late = code.indexOf("ProtocolCodec.writeUnsignedVarint(buf, 5);");
        assertTrue(early > 0 && late > early, "known tags are written in tag order");
        assertTrue(code.contains("writeRawTaggedFields(buf, this.unknownTaggedFields, rawIndex, 5L)"), code);
        assertTrue(code.contains("ProtocolCodec.checkTaggedFieldEnd(buf, start, size, tag)"), code);
        assertThrows(IllegalArgumentException.class, () -> schema("0-2", "1+",
            "{ \"name\": \"T\", \"type\": \"int32\", \"versions\": \"0+\", \"taggedVersions\": \"0+\", \"tag\": 1 }"),
            "tagged fields need flexible versions");
    }

    @Test
    void onlyNonIgnorableFieldsRefuseNonDefaultValuesWhereTheyDoNotExist() {
        MessageSpec m = schema("0-3", "none", "{ \"name\": \"Strict\", \"type\": \"int32\", \"versions\": \"2+\" },"
            + "{ \"name\": \"Lenient\", \"type\": \"int32\", \"versions\": \"2+\", \"ignorable\": true }");
        String code = MessageGenerator.generate(m);
        assertTrue(code.contains("if (version <= 1 && (this.strict != 0)) {"), code);
        assertTrue(code.contains("cannotWrite(\"TinyRequest\", \"Strict\", version)"), code);
        assertFalse(code.contains("\"Lenient\", version"), code);
    }

    @Test
    void structsArraysRecordsAndNullableStructsAreNestedClasses() {
        MessageSpec m = schema("0-1", "1+", "{ \"name\": \"Topics\", \"type\": \"[]Topic\", \"versions\": \"0+\", \"fields\": ["
            + "  { \"name\": \"Name\", \"type\": \"string\", \"versions\": \"0+\", \"mapKey\": true },"
            + "  { \"name\": \"Records\", \"type\": \"records\", \"versions\": \"0+\", \"nullableVersions\": \"0+\" },"
            + "  { \"name\": \"Ids\", \"type\": \"[]uuid\", \"versions\": \"1+\" } ] },"
            + "{ \"name\": \"Cursor\", \"type\": \"Cursor\", \"versions\": \"0+\", \"nullableVersions\": \"0+\","
            + "  \"default\": \"null\", \"fields\": [ { \"name\": \"Pos\", \"type\": \"uint16\", \"versions\": \"0+\" } ] }");
        assertThrows(IllegalArgumentException.class, () -> SchemaReader.parse("{ \"type\": \"data\", \"name\": \"D\","
            + " \"validVersions\": \"0\", \"fields\": [ { \"name\": \"S\", \"type\": \"Missing\", \"versions\": \"0+\" } ] }",
            "D.json"), "a reference to an undefined struct fails");
        assertEquals(List.of("Topic", "Cursor"), List.copyOf(m.structs().keySet()).subList(0, 2));
        String code = MessageGenerator.generate(m);
        assertTrue(code.contains("public static final class Topic {"), code);
        assertTrue(code.contains("private List<Topic> topics;"), code);
        assertTrue(code.contains("ProtocolCodec.readRecords(buf, version >= 1, true, \"Records\")"), code);
        assertTrue(code.contains("if (buf.readByte() < 0) {"), "nullable structs have a presence byte");
        assertTrue(code.contains("public Cursor setPos(int v) {"), "uint16 is an int with a range check");
        assertTrue(code.contains("must be a uint16"), code);
    }

    @Test
    void commonStructsAreSharedByReference() {
        MessageSpec m = SchemaReader.parse("{ \"type\": \"data\", \"name\": \"D\", \"validVersions\": \"0\","
            + " \"fields\": [ { \"name\": \"A\", \"type\": \"Common\", \"versions\": \"0+\" },"
            + " { \"name\": \"B\", \"type\": \"[]Common\", \"versions\": \"0+\" } ],"
            + " \"commonStructs\": [ { \"name\": \"Common\", \"versions\": \"0+\", \"fields\": ["
            + "   { \"name\": \"V\", \"type\": \"int8\", \"versions\": \"0+\" } ] } ] }", "D.json");
        assertTrue(m.root().fields().get(0).struct() == m.root().fields().get(1).struct());
        assertEquals(-1, m.apiKey());
        String code = MessageGenerator.generate(m);
        assertEquals(1, code.split("public static final class Common \\{", -1).length - 1);
    }

    @Test
    void mergeKeepsLegacyOnlyFieldsInPlaceAndUsesEachSchemaForItsOwnVersions() {
        MessageSpec current = schema("2-4", "3+", "{ \"name\": \"A\", \"type\": \"int32\", \"versions\": \"0+\" },"
            + "{ \"name\": \"C\", \"type\": \"string\", \"versions\": \"0+\" },"
            + "{ \"name\": \"D\", \"type\": \"int8\", \"versions\": \"4+\" }");
        MessageSpec legacy = schema("0-3", "3+", "{ \"name\": \"A\", \"type\": \"int32\", \"versions\": \"0+\" },"
            + "{ \"name\": \"B\", \"type\": \"int16\", \"versions\": \"0-1\" },"
            + "{ \"name\": \"C\", \"type\": \"string\", \"versions\": \"0+\", \"nullableVersions\": \"0\" }");
        MessageSpec m = SchemaMerger.merge(current, legacy);
        assertEquals(Versions.parse("0-4"), m.valid());
        assertEquals(Versions.parse("3-4"), m.flexible());
        assertEquals(List.of("A", "B", "C", "D"), m.root().fields().stream().map(FieldSpec::name).toList());
        assertEquals(Versions.parse("0-1"), field(m, "B").versions());
        assertEquals(Versions.parse("0"), field(m, "C").nullable(), "legacy nullability only for legacy versions");
        assertEquals(Versions.parse("4"), field(m, "D").versions());
        MessageSpec curHeader = schema("1-2", "none", "{ \"name\": \"Id\", \"type\": \"string\", \"versions\": \"1+\" },"
            + "{ \"name\": \"Extra\", \"type\": \"int8\", \"versions\": \"2+\" }");
        MessageSpec legHeader = schema("0-2", "none", "{ \"name\": \"Id\", \"type\": \"string\", \"versions\": \"1+\","
            + " \"ignorable\": true }, { \"name\": \"Extra\", \"type\": \"int8\", \"versions\": \"2+\" }");
        String merged = MessageGenerator.generate(SchemaMerger.merge(curHeader, legHeader));
        assertFalse(merged.contains("\"Id\", version"), "v0 is governed by the legacy schema, where Id is ignorable");
        assertTrue(merged.contains("cannotWrite(\"TinyRequest\", \"Extra\", version)"), merged);
        MessageSpec conflicting = schema("0-1", "none", "{ \"name\": \"A\", \"type\": \"int64\", \"versions\": \"0+\" }");
        assertThrows(IllegalArgumentException.class, () -> SchemaMerger.merge(current, conflicting),
            "a field whose type changed cannot be merged");
    }

    @Test
    void registryFollowsKafkasHeaderVersionRules() {
        MessageSpec req = SchemaReader.parse("{ \"apiKey\": 18, \"type\": \"request\", \"name\": \"ApiVersionsRequest\","
            + " \"listeners\": [\"broker\"], \"validVersions\": \"0-4\", \"flexibleVersions\": \"3+\","
            + " \"latestVersionUnstable\": true, \"fields\": [] }", "a");
        MessageSpec resp = SchemaReader.parse("{ \"apiKey\": 18, \"type\": \"response\", \"name\": \"ApiVersionsResponse\","
            + " \"validVersions\": \"0-4\", \"flexibleVersions\": \"3+\", \"fields\": [] }", "b");
        String code = RegistryGenerator.generate(List.of(req, resp));
        assertTrue(code.contains("API_VERSIONS(18, \"ApiVersions\", 0, 4, 3, List.of(\"broker\"), 0x"), code);
        assertTrue(code.contains("if (this == API_VERSIONS) {"), "ApiVersions responses always use header v0");
        assertEquals("LIST_CONFIG_RESOURCES", RegistryGenerator.constantName("ListConfigResources"));
        assertEquals("OFFSET_FOR_LEADER_EPOCH", RegistryGenerator.constantName("OffsetForLeaderEpoch"));
    }

    @Test
    void projectRecordsGoToTheirOwnPackageAndPairKeysWithValuesById() {
        MessageSpec topic = SchemaReader.parse("{ \"apiKey\": 2, \"type\": \"metadata\", \"name\": \"TopicRecord\","
            + " \"validVersions\": \"0\", \"flexibleVersions\": \"0+\", \"fields\": ["
            + " { \"name\": \"Name\", \"type\": \"string\", \"versions\": \"0+\" } ] }", "TopicRecord.json");
        MessageSpec key = SchemaReader.parse("{ \"apiKey\": 1, \"type\": \"coordinator-key\","
            + " \"name\": \"OffsetCommitKey\", \"validVersions\": \"0\", \"flexibleVersions\": \"none\","
            + " \"fields\": [] }", "OffsetCommitKey.json");
        MessageSpec value = SchemaReader.parse("{ \"apiKey\": 1, \"type\": \"coordinator-value\","
            + " \"name\": \"OffsetCommitValue\", \"validVersions\": \"0-4\", \"flexibleVersions\": \"4+\","
            + " \"fields\": [] }", "OffsetCommitValue.json");
        String cls = MessageGenerator.generate(topic, "io.samsa.metadata.record");
        assertTrue(cls.contains("package io.samsa.metadata.record;"), cls);
        assertTrue(cls.contains("public static final short API_KEY = 2;"), cls);
        String registry = RecordTypeGenerator.generate("io.samsa.x", "XRecordType", List.of(topic, key, value));
        assertTrue(registry.contains("package io.samsa.x;"), registry);
        assertTrue(registry.contains("OFFSET_COMMIT(1, \"OffsetCommit\", 0, 4, OffsetCommitKey::new,"
            + " OffsetCommitValue::new)"), registry);
        assertTrue(registry.contains("TOPIC(2, \"Topic\", 0, 0, null, TopicRecord::new);"), registry);
        MessageSpec clash = SchemaReader.parse("{ \"apiKey\": 2, \"type\": \"metadata\", \"name\": \"OtherRecord\","
            + " \"validVersions\": \"0\", \"fields\": [] }", "OtherRecord.json");
        assertThrows(IllegalArgumentException.class,
            () -> RecordTypeGenerator.generate("p", "R", List.of(topic, clash)), "two records cannot share an id");
    }
}
