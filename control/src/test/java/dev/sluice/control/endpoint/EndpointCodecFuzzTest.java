package dev.sluice.control.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the agent's side of the CNI &lt;-&gt; agent endpoint protocol: {@link EndpointCodec#decodeRequest} over
 * hostile lines (the input's bytes decoded as UTF-8, as {@code EndpointServer} decodes a line), and the client's
 * {@link EndpointCodec#decodeReply} over the same bytes.
 *
 * <p>Invariants: a line either decodes or fails with an {@link IOException} whose message is not blank (the server
 * sends that message back as the reply's error) — never another exception; a decoded request has the fields every
 * command needs, and encoding it and decoding the result gives the same request; the failure reply the server would
 * send encodes and decodes back to itself. Seeds ({@code EndpointCodecFuzzTestInputs/decodeHostileLines/}) are the
 * lines the CNI plugin sends for ADD, DEL and CHECK and the agent's replies, as {@code EndpointServerTest} exchanges
 * them.
 */
@Tag("fuzz")
class EndpointCodecFuzzTest
{
    @FuzzTest(maxDuration = "2m")
    void decodeHostileLines(final byte[] data) throws IOException
    {
        final String line = new String(data, StandardCharsets.UTF_8);
        EndpointRequest request = null;
        EndpointReply reply;
        try
        {
            request = EndpointCodec.decodeRequest(line);
            reply = EndpointReply.success("02:00:00:00:00:01", 1450, 1);
        }
        catch (final IOException ex)
        {
            assertNotNull(ex.getMessage(), "an IOException without a message");
            assertFalse(ex.getMessage().isBlank(), "a blank message");
            reply = EndpointReply.failure(EndpointReply.CODE_INVALID, ex.getMessage());
        }
        if (request != null)
        {
            assertEquals(EndpointRequest.VERSION, request.version());
            assertNotNull(request.command());
            assertFalse(request.containerId() == null || request.containerId().isBlank());
            if (request.command() == EndpointCommand.ADD)
            {
                assertFalse(request.ips().isEmpty());
                assertFalse(request.hostInterface() == null || request.hostInterface().isBlank());
            }
            final String encoded = EndpointCodec.encode(request);
            assertTrue(encoded.indexOf('\n') < 0, "an encoded request spans lines: " + encoded);
            assertEquals(request, EndpointCodec.decodeRequest(encoded), "request round trip");
        }
        final String replyLine = EndpointCodec.encode(reply);
        assertTrue(replyLine.indexOf('\n') < 0, "an encoded reply spans lines: " + replyLine);
        assertEquals(reply, EndpointCodec.decodeReply(replyLine), "reply round trip");

        try
        {
            final EndpointReply decoded = EndpointCodec.decodeReply(line);
            assertEquals(decoded, EndpointCodec.decodeReply(EndpointCodec.encode(decoded)), "reply round trip");
        }
        catch (final IOException ex)
        {
            assertNotNull(ex.getMessage(), "an IOException without a message");
        }
    }
}
