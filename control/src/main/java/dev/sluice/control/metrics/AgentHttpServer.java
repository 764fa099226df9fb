package dev.sluice.control.metrics;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * The agent's HTTP endpoint on Netty ({@link HttpTransport}: io_uring, else epoll, else NIO; the choice is logged
 * and exported as {@code sluice_http_transport_info}):
 * <ul>
 *   <li>{@code GET /metrics}: the {@link MetricsRegistry} in the Prometheus text format 0.0.4;</li>
 *   <li>{@code GET /healthz}: 200 {@code ok} while the process serves;</li>
 *   <li>{@code GET /readyz}: 200 {@code ready}, or 503 with the reason until {@link Readiness#markReady()};</li>
 *   <li>{@code GET /status}: the {@link NodeStatus} JSON (ready and transport filled in here);</li>
 *   <li>{@code GET /flows}: flows as JSON lines ({@code application/x-ndjson}, chunked). Query: {@code pod},
 *       {@code namespace}, {@code verdict}, {@code protocol}, {@code port} (see {@link FlowFilter}),
 *       {@code last=N} (past flows replayed first, default 20), {@code follow=true} (keep streaming new flows until
 *       the client goes away; otherwise the response ends after the replay).</li>
 * </ul>
 * A flow subscriber's connection has a bounded outbound buffer ({@value #FLOW_HIGH_WATER_MARK} bytes): while it is
 * full, flows are skipped for that subscriber, and one that stays full is closed ({@link FlowStream}).
 */
public final class AgentHttpServer implements AutoCloseable
{
    /** The port {@code sluice observe} and {@code sluice status} connect to by default. */
    public static final int DEFAULT_PORT = 9965;
    /** Past flows replayed by {@code /flows} when {@code last} is not given. */
    public static final int DEFAULT_LAST = 20;
    static final int FLOW_HIGH_WATER_MARK = 256 * 1024;

    private static final System.Logger LOG = System.getLogger(AgentHttpServer.class.getName());
    private static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpTransport transport;
    private final EventLoopGroup group;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private Channel serverChannel;
    private final MetricsRegistry registry;
    private final Readiness readiness;
    private final FlowStream flows;
    private final NodeStatus.Source status;

    private AgentHttpServer(final HttpTransport transport, final EventLoopGroup group,
        final MetricsRegistry registry, final Readiness readiness, final FlowStream flows,
        final NodeStatus.Source status)
    {
        this.transport = transport;
        this.group = group;
        this.registry = registry;
        this.readiness = readiness;
        this.flows = flows;
        this.status = status;
    }

    /**
     * Bind and start serving, on the transport chosen by the system property {@value HttpTransport#PROPERTY}.
     *
     * @param bind      address and port (port 0 = ephemeral).
     * @param threads   event loop threads, at least 1.
     * @param registry  the metrics.
     * @param readiness the readiness flag.
     * @param flows     the flow stream, or null (then {@code /flows} answers 404).
     * @param status    the status source, or null (then {@code /status} answers 404).
     * @return the running server.
     * @throws InterruptedException when interrupted while binding.
     */
    public static AgentHttpServer start(final InetSocketAddress bind, final int threads,
        final MetricsRegistry registry, final Readiness readiness, final FlowStream flows,
        final NodeStatus.Source status) throws InterruptedException
    {
        return start(bind, threads, HttpTransport.select(System.getProperty(HttpTransport.PROPERTY, "auto")),
            registry, readiness, flows, status);
    }

    /**
     * Bind and start serving on a given transport.
     *
     * @param bind      address and port (port 0 = ephemeral).
     * @param threads   event loop threads, at least 1.
     * @param transport the transport (must be available).
     * @param registry  the metrics.
     * @param readiness the readiness flag.
     * @param flows     the flow stream, or null.
     * @param status    the status source, or null.
     * @return the running server.
     * @throws InterruptedException when interrupted while binding.
     */
    public static AgentHttpServer start(final InetSocketAddress bind, final int threads, final HttpTransport transport,
        final MetricsRegistry registry, final Readiness readiness, final FlowStream flows,
        final NodeStatus.Source status) throws InterruptedException
    {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(readiness, "readiness");
        if (!transport.isAvailable())
        {
            throw new IllegalArgumentException("HTTP transport " + transport + " is not available: "
                + transport.unavailabilityCause());
        }
        if (transport != HttpTransport.IO_URING)
        {
            LOG.log(System.Logger.Level.INFO, "io_uring not used: {0}", HttpTransport.IO_URING.isAvailable()
                ? "fallback forced by -D" + HttpTransport.PROPERTY : HttpTransport.IO_URING.unavailabilityCause());
        }
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, threads),
            transport.ioHandlerFactory());
        final AgentHttpServer server = new AgentHttpServer(transport, group, registry, readiness, flows, status);
        try
        {
            server.serverChannel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                    new WriteBufferWaterMark(FLOW_HIGH_WATER_MARK / 2, FLOW_HIGH_WATER_MARK))
                .childHandler(new ChannelInitializer<>()
                {
                    @Override
                    protected void initChannel(final Channel ch)
                    {
                        server.initConnection(ch.pipeline());
                    }
                })
                .bind(bind).sync().channel();
            LOG.log(System.Logger.Level.INFO, "HTTP endpoint on {0} using the {1} transport",
                server.serverChannel.localAddress(), transport);
            return server;
        }
        catch (final InterruptedException | RuntimeException e)
        {
            group.shutdownGracefully();
            throw e;
        }
    }

    /**
     * A server that is not bound to any address, only able to {@link #initConnection} (the fuzz target and tests
     * drive a connection's handlers over an {@code EmbeddedChannel}).
     */
    static AgentHttpServer unbound(final MetricsRegistry registry, final Readiness readiness, final FlowStream flows,
        final NodeStatus.Source status)
    {
        return new AgentHttpServer(HttpTransport.NIO, null, Objects.requireNonNull(registry, "registry"),
            Objects.requireNonNull(readiness, "readiness"), flows, status);
    }

    /**
     * Installs the handlers of one accepted connection: HTTP/1.1 codec, aggregation of requests up to 64 KiB, the
     * router.
     *
     * @param pipeline the connection's pipeline.
     */
    void initConnection(final ChannelPipeline pipeline)
    {
        pipeline
            .addLast(new HttpServerCodec())
            .addLast(new HttpObjectAggregator(64 * 1024))
            .addLast(new Handler());
    }

    /**
     * @return the transport in use.
     */
    public HttpTransport transport()
    {
        return transport;
    }

    /**
     * @return the bound port.
     */
    public int port()
    {
        return ((InetSocketAddress)serverChannel.localAddress()).getPort();
    }

    /**
     * Register {@code sluice_http_transport_info{transport="..."} 1}.
     *
     * @param registry the registry to add it to.
     */
    public void registerMetrics(final MetricsRegistry registry)
    {
        registry.gauge("sluice_http_transport_info", "The Netty transport serving this endpoint.",
            Labels.of("transport", transport.name().toLowerCase(java.util.Locale.ROOT)), () -> 1);
    }

    /**
     * Stop accepting, close every connection (followers included) and stop the event loops. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            if (!request.decoderResult().isSuccess())
            {
                text(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request\n");
                return;
            }
            if (!HttpMethod.GET.equals(request.method()))
            {
                text(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n");
                return;
            }
            final QueryStringDecoder query = new QueryStringDecoder(request.uri());
            final String path;
            try
            {
                path = query.path();
            }
            catch (final IllegalArgumentException e)
            {
                // A bad %-escape in the path: the client's error, answered (the exception would reach the
                // pipeline's tail and leave the request without a response).
                text(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request path: " + e.getMessage() + "\n");
                return;
            }
            switch (path)
            {
                case "/metrics" -> respond(ctx, request, HttpResponseStatus.OK, METRICS_CONTENT_TYPE, registry.scrape());
                case "/healthz" -> text(ctx, request, HttpResponseStatus.OK, "ok\n");
                case "/readyz" ->
                {
                    final String reason = readiness.reason();
                    if (reason == null)
                    {
                        text(ctx, request, HttpResponseStatus.OK, "ready\n");
                    }
                    else
                    {
                        text(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + reason + "\n");
                    }
                }
                case "/status" ->
                {
                    if (status == null)
                    {
                        text(ctx, request, HttpResponseStatus.NOT_FOUND, "no status source\n");
                        return;
                    }
                    final NodeStatus s = status.status();
                    final NodeStatus filled = new NodeStatus(s.nodeName(), s.version(), readiness.isReady(),
                        readiness.reason(), s.uptimeSeconds(), transport.name(), s.interfaces(), s.tables(),
                        s.workers(), s.counters());
                    respond(ctx, request, HttpResponseStatus.OK, "application/json", filled.toJson() + "\n");
                }
                case "/flows" -> flows(ctx, request, query);
                default -> text(ctx, request, HttpResponseStatus.NOT_FOUND,
                    "not found; try /metrics /healthz /readyz /status /flows\n");
            }
        }

        private void flows(final ChannelHandlerContext ctx, final FullHttpRequest request,
            final QueryStringDecoder query)
        {
            if (flows == null)
            {
                text(ctx, request, HttpResponseStatus.NOT_FOUND, "no flow stream\n");
                return;
            }
            final FlowFilter filter;
            final int last;
            final boolean follow;
            try
            {
                filter = FlowFilter.fromQuery(query.parameters());
                last = intParameter(query, "last", DEFAULT_LAST);
                follow = "true".equals(first(query, "follow")) || "1".equals(first(query, "follow"));
            }
            catch (final IllegalArgumentException e)
            {
                text(ctx, request, HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
                return;
            }
            final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson");
            head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.write(head);
            final Channel channel = ctx.channel();
            if (!follow)
            {
                for (final Flow flow : flows.recent(filter, last))
                {
                    ctx.write(line(flow));
                }
                final var done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!HttpUtil.isKeepAlive(request))
                {
                    done.addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            final ChannelSink sink = new ChannelSink(channel);
            flows.subscribe(filter, last, sink);
            channel.closeFuture().addListener(f -> flows.unsubscribe(sink));
        }
    }

    private static DefaultHttpContent line(final Flow flow)
    {
        return new DefaultHttpContent(Unpooled.copiedBuffer(flow.json() + "\n", StandardCharsets.UTF_8));
    }

    /** A follower's connection: takes a flow only while its outbound buffer is below the high water mark. */
    private static final class ChannelSink implements FlowStream.FlowSink
    {
        private final Channel channel;

        ChannelSink(final Channel channel)
        {
            this.channel = channel;
        }

        @Override
        public boolean offer(final Flow flow)
        {
            if (!channel.isActive() || !channel.isWritable())
            {
                return false;
            }
            channel.write(line(flow), channel.voidPromise());
            return true;
        }

        @Override
        public void flush()
        {
            channel.flush();
        }

        @Override
        public boolean isOpen()
        {
            return channel.isOpen();
        }

        @Override
        public void close()
        {
            channel.close();
        }
    }

    private static String first(final QueryStringDecoder query, final String name)
    {
        final List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static int intParameter(final QueryStringDecoder query, final String name, final int fallback)
    {
        final String text = first(query, name);
        if (text == null || text.isEmpty())
        {
            return fallback;
        }
        try
        {
            final int value = Integer.parseInt(text);
            if (value >= 0)
            {
                return value;
            }
        }
        catch (final NumberFormatException e)
        {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a non-negative integer, not '" + text + "'");
    }

    private static void text(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String body)
    {
        respond(ctx, request, status, "text/plain; charset=utf-8", body);
    }

    private static void respond(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String contentType, final String body)
    {
        final ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, content.readableBytes());
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (keepAlive)
        {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        }
        else
        {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
