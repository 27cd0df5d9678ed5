package io.samsa.wire.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.RequestHeader;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** Request header parsing: header version from the API, body position, and the unsupported paths. */
class RequestHeaderParserTest {

    @Test
    void parsesAnOfficialFlexibleHeaderAndLeavesTheBufferAtTheBody() {
        org.apache.kafka.common.requests.RequestHeader official =
            new org.apache.kafka.common.requests.RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "client-7", 1234);
        ByteBuffer bb = org.apache.kafka.common.protocol.MessageUtil.toByteBufferAccessor(official.data(),
            official.headerVersion()).buffer();
        ByteBuf frame = Unpooled.buffer();
        frame.writeBytes(bb);
        ApiVersionsRequest body = new ApiVersionsRequest().setClientSoftwareName("samsa").setClientSoftwareVersion("1");
        int headerSize = frame.readableBytes();
        body.write(frame, (short) 3);
        ParsedRequestHeader h = RequestHeaderParser.parse(frame);
        assertEquals(ApiMessageType.API_VERSIONS, h.api());
        assertEquals(18, h.apiKey());
        assertEquals(3, h.apiVersion());
        assertEquals(1234, h.correlationId());
        assertEquals("client-7", h.clientId());
        assertEquals(2, h.headerVersion());
        assertEquals(headerSize, frame.readerIndex());
        ApiVersionsRequest read = new ApiVersionsRequest();
        read.read(frame, h.apiVersion());
        assertEquals(body, read);
    }

    @Test
    void controlledShutdownV0UsesHeaderV0WithoutClientId() {
        ByteBuf frame = Unpooled.buffer();
        new RequestHeader().setRequestApiKey((short) 7).setRequestApiVersion((short) 0).setCorrelationId(5)
            .write(frame, (short) 0);
        assertEquals(8, frame.readableBytes());
        frame.writeInt(3); // broker id
        ParsedRequestHeader h = RequestHeaderParser.parse(frame);
        assertEquals(0, h.headerVersion());
        assertEquals(8, frame.readerIndex());
    }

    @Test
    void unknownKeysAndVersionsStillYieldTheCorrelationId() {
        ByteBuf unknown = Unpooled.buffer().writeShort(999).writeShort(0).writeInt(77).writeShort(-1);
        UnsupportedRequestException e = assertThrows(UnsupportedRequestException.class,
            () -> RequestHeaderParser.parse(unknown));
        assertEquals(77, e.correlationId());
        assertEquals(999, e.apiKey());
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.errorCode());
        ByteBuf tooNew = Unpooled.buffer().writeShort(18).writeShort(500).writeInt(78).writeShort(-1);
        e = assertThrows(UnsupportedRequestException.class, () -> RequestHeaderParser.parse(tooNew));
        assertEquals(78, e.correlationId());
        assertEquals(500, e.apiVersion());
        assertEquals(0, tooNew.readerIndex());
    }

    @Test
    void shortOrMalformedHeadersAreDecodeErrors() {
        assertThrows(DecodeException.class, () -> RequestHeaderParser.parse(Unpooled.buffer().writeShort(18)));
        ByteBuf badClientId = Unpooled.buffer().writeShort(18).writeShort(3).writeInt(1).writeShort(100).writeByte('a');
        assertThrows(DecodeException.class, () -> RequestHeaderParser.parse(badClientId));
    }
}
