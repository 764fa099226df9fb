package dev.sluice.control.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * PATCH bodies the translation cannot parse are the client's error: a 400 {@code Status} saying why, over the real
 * HTTP server (found by {@link EmbeddedApiServerPatchFuzzTest}: the parse exception escaped the dispatcher).
 */
class EmbeddedApiServerPatchTest
{
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final EmbeddedApiServer server = new EmbeddedApiServer();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop()
    {
        http.close();
        server.stop();
    }

    private HttpResponse<String> send(final String method, final String path, final String contentType,
        final String body) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60))
            .header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private void assertBadRequest(final String contentType, final String body, final String why) throws Exception
    {
        final HttpResponse<String> response = send("PATCH", "/api/v1/namespaces/shop", contentType, body);
        assertEquals(400, response.statusCode(), contentType + " " + body + ": " + response.body());
        final JsonNode status = JSON.readTree(response.body());
        assertEquals("Status", status.path("kind").asString());
        assertEquals("BadRequest", status.path("reason").asString());
        assertTrue(status.path("message").asString().contains(why), status.toString());
    }

    @Test
    void unparsablePatchBodiesAreBadRequests() throws Exception
    {
        assertEquals(201, send("POST", "/api/v1/namespaces", "application/json",
            "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}").statusCode());
        assertBadRequest("application/merge-patch+json", "{\"metadata\":", "cannot parse");
        assertBadRequest("application/strategic-merge-patch+json", "[1,2]", "cannot parse");
        assertBadRequest("application/apply-patch+yaml", "kind: [unclosed", "cannot parse");
        assertBadRequest("application/apply-patch+yaml", "just a string", "is not an object");

        final HttpResponse<String> good = send("PATCH", "/api/v1/namespaces/shop", "application/merge-patch+json",
            "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}");
        assertEquals(200, good.statusCode(), good.body());
        assertEquals("a", JSON.readTree(good.body()).path("metadata").path("labels").path("team").asString());
    }
}
