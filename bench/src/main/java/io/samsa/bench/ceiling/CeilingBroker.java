package io.samsa.bench.ceiling;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.samsa.wire.frame.FrameDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The do-nothing broker: a single-node "cluster" that speaks enough of the Kafka protocol, through Samsa's
 * own {@code wire} codecs, for the official ProducerPerformance and ConsumerPerformance tools, and that does
 * no broker work at all (Produce is acknowledged without storing, Fetch is served from a prepared buffer).
 * {@code scripts/bench} runs the same workloads against it to measure the client's and the loopback's
 * ceiling in the same run as Samsa and Kafka.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.samsa.bench.ceiling.CeilingBroker --port 9092
 * [--host 127.0.0.1] [--partitions 1] [--record-size 1024] [--ready-file F]}. Stops on SIGTERM. The main
 * thread owns the event loops; each connection has its own {@link CeilingHandler}.
 */
public final class CeilingBroker {
    private static final Logger log = LoggerFactory.getLogger(CeilingBroker.class);

    private CeilingBroker() {
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 9092;
        int partitions = 1;
        int recordSize = 1024;
        String readyFile = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                case "--record-size" -> recordSize = Integer.parseInt(args[i + 1]);
                case "--ready-file" -> readyFile = args[i + 1];
                default -> throw new IllegalArgumentException("Unknown option " + args[i]);
            }
        }
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        EventLoopGroup workers = epoll ? new EpollEventLoopGroup() : new NioEventLoopGroup();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        CeilingTopics topics = new CeilingTopics(partitions);
        FetchChunk chunk = new FetchChunk(recordSize, 16 * 1024, 1024 * 1024);
        String advertisedHost = host;
        int advertisedPort = port;
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(channelType)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new FrameDecoder(FrameDecoder.DEFAULT_MAX_FRAME_SIZE),
                                    new CeilingHandler(topics, chunk, advertisedHost, advertisedPort));
                        }
                    })
                    .bind(host, port).sync().channel();
            log.info("Do-nothing broker listening on {}:{} ({})", host, port, epoll ? "epoll" : "nio");
            if (readyFile != null) {
                Files.writeString(Path.of(readyFile), host + ":" + port + "\n", StandardCharsets.US_ASCII);
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "ceiling-shutdown"));
            stop.await();
            server.close().sync();
        } finally {
            workers.shutdownGracefully();
            boss.shutdownGracefully();
            chunk.release();
        }
    }
}
