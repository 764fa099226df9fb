package dev.sluice.control.endpoint;

import java.io.IOException;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The JSON form of requests and replies: one object per line, unknown fields refused. */
public final class EndpointCodec
{
    /** Longest line either side accepts. */
    public static final int MAX_LINE = 64 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .build();

    private EndpointCodec()
    {
    }

    /** @param request the request. @return its one-line JSON. */
    public static String encode(final EndpointRequest request)
    {
        return write(request);
    }

    /** @param reply the reply. @return its one-line JSON. */
    public static String encode(final EndpointReply reply)
    {
        return write(reply);
    }

    /**
     * @param line one JSON object.
     * @return the request.
     * @throws IOException when the line is not a valid request (the message says why).
     */
    public static EndpointRequest decodeRequest(final String line) throws IOException
    {
        final EndpointRequest request = read(line, EndpointRequest.class);
        if (request.version() != EndpointRequest.VERSION)
        {
            throw new IOException("unsupported endpoint protocol version " + request.version() + " (speaks " +
                EndpointRequest.VERSION + ")");
        }
        return request;
    }

    /**
     * @param line one JSON object.
     * @return the reply.
     * @throws IOException when the line is not a valid reply.
     */
    public static EndpointReply decodeReply(final String line) throws IOException
    {
        return read(line, EndpointReply.class);
    }

    private static String write(final Object value)
    {
        try
        {
            return MAPPER.writeValueAsString(value);
        }
        catch (final JacksonException ex)
        {
            throw new IllegalStateException("cannot encode " + value, ex);
        }
    }

    private static <T> T read(final String line, final Class<T> type) throws IOException
    {
        if (line == null || line.isBlank())
        {
            throw new IOException("empty " + type.getSimpleName());
        }
        if (line.length() > MAX_LINE)
        {
            throw new IOException(type.getSimpleName() + " longer than " + MAX_LINE + " characters");
        }
        try
        {
            return MAPPER.readValue(line, type);
        }
        catch (final JacksonException ex)
        {
            final Throwable cause = ex.getCause() instanceof IllegalArgumentException arg ? arg : ex;
            throw new IOException("bad " + type.getSimpleName() + ": " + cause.getMessage(), ex);
        }
    }
}
