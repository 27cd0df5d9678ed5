package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.SupportedApis;
import io.samsa.wire.frame.FrameDecoder;
import io.samsa.wire.message.ApiVersionsResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request's frame is released once its answer is handed over, whether the connection's event loop still runs or
 * has stopped while the handler worked (a broker halted with requests in flight): the frame is the request's only
 * hold on the bytes it was read into.
 */
class ConnectionHandlerTest {
    private static final short API_VERSIONS = 18;

    private final EventLoopGroup serverLoops = new NioEventLoopGroup(1);
    private final EventLoopGroup clientLoops = new NioEventLoopGroup(1);
    /** Requests the server has taken and not answered: the handler answers nothing by itself. */
    private final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
    private final BlockingQueue<ByteBuf> responses = new LinkedBlockingQueue<>();

    private record Held(RequestContext ctx, ResponseSink sink) {
    }

    @AfterEach
    void stop() {
        clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        ByteBuf b;
        while ((b = responses.poll()) != null) {
            b.release();
        }
    }

    @Test
    void anAnswerOnARunningLoopIsWrittenAndReleasesTheFrame() throws Exception {
        Held h = request(7);
        assertEquals(1, h.ctx().frame().refCnt());

        h.sink().send(new ApiVersionsResponse());

        ByteBuf response = responses.poll(10, TimeUnit.SECONDS);
        assertNotNull(response, "the answer reached the client");
        try {
            assertEquals(7, response.getInt(4), "the correlation id after the size");
        } finally {
            response.release();
        }
        assertEquals(0, h.ctx().frame().refCnt());
    }

    @Test
    void anAnswerAfterTheLoopStoppedReleasesTheFrame() throws Exception {
        answerAfterTheLoopStopped(sink -> sink.send(new ApiVersionsResponse()));
    }

    @Test
    void noAnswerAfterTheLoopStoppedReleasesTheFrame() throws Exception {
        answerAfterTheLoopStopped(ResponseSink::sendNothing);
    }

    @Test
    void aCloseAfterTheLoopStoppedReleasesTheFrame() throws Exception {
        answerAfterTheLoopStopped(sink -> sink.closeConnection("test"));
    }

    private void answerAfterTheLoopStopped(Consumer<ResponseSink> answer) throws Exception {
        Held h = request(9);
        assertEquals(1, h.ctx().frame().refCnt());
        serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();

        answer.accept(h.sink());

        assertEquals(0, h.ctx().frame().refCnt());
    }

    /** Connects, sends one ApiVersions v0 request and returns it as the server's handler took it. */
    private Held request(int correlationId) throws Exception {
        SupportedApis apis = SupportedApis.builder()
                .add(API_VERSIONS, 0, 0, (ctx, request, sink) -> held.add(new Held(ctx, sink)))
                .build();
        Channel server = new ServerBootstrap().group(serverLoops).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(1 << 20))
                                .addLast(new ConnectionHandler(apis, new RequestDecoder(), "PLAINTEXT"));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        Channel client = new Bootstrap().group(clientLoops).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                responses.add((ByteBuf) msg);
                            }
                        });
                    }
                })
                .connect(server.localAddress()).sync().channel();
        // Size, then header v1: api key, version 0, correlation id, a null client id; ApiVersions v0 has no body.
        ByteBuf frame = Unpooled.buffer().writeInt(10).writeShort(API_VERSIONS).writeShort(0)
                .writeInt(correlationId).writeShort(-1);
        client.writeAndFlush(frame).sync();
        Held h = held.poll(10, TimeUnit.SECONDS);
        assertNotNull(h, "the request reached its handler");
        return h;
    }
}
