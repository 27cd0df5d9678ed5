package io.samsa.server.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Consumer;

/** Two embedded channels joined as a client and a server connection, for the pipeline tests. */
final class EmbeddedLink {
    static final short API_VERSIONS = 18;

    private EmbeddedLink() {
    }

    /** An embedded channel with a socket address, as ConnectionHandler expects. */
    static final class Connection extends EmbeddedChannel {
        Connection(ChannelHandler... handlers) {
            super(handlers);
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return new InetSocketAddress("127.0.0.1", 40000);
        }
    }

    /** Moves bytes both ways until neither side has more to send. */
    static void pump(EmbeddedChannel client, EmbeddedChannel server) {
        pump(client, server, o -> { });
    }

    /** {@link #pump(EmbeddedChannel, EmbeddedChannel)}, showing {@code checkServerOutput} all the server sends. */
    static void pump(EmbeddedChannel client, EmbeddedChannel server, Consumer<Object> checkServerOutput) {
        boolean moved;
        do {
            moved = false;
            for (Object o; (o = client.readOutbound()) != null; moved = true) {
                deliver(o, server);
            }
            for (Object o; (o = server.readOutbound()) != null; moved = true) {
                checkServerOutput.accept(o);
                deliver(o, client);
            }
            client.runPendingTasks();
            server.runPendingTasks();
        } while (moved);
    }

    private static void deliver(Object o, EmbeddedChannel to) {
        if (to.isActive()) {
            to.writeInbound(o);
        } else {
            ((ByteBuf) o).release();
        }
    }

    /** An ApiVersions v0 request frame. */
    static ByteBuf apiVersionsV0(int correlationId) {
        return Unpooled.buffer().writeInt(10).writeShort(API_VERSIONS).writeShort(0).writeInt(correlationId)
                .writeShort(-1);
    }
}
