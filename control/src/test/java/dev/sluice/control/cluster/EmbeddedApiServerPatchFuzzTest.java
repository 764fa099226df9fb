package dev.sluice.control.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzzes the PATCH translation of {@link EmbeddedApiServer} (its own parsers: strategic merge patch with its
 * {@code $}-directives, JSON merge patch, server-side apply YAML) with the bodies kubectl could send.
 *
 * <p>Input format: byte 0 picks the content type ({@link #CONTENT_TYPES}), byte 1 the object ({@link #TARGETS}: a
 * Pod, a Namespace and a NetworkPolicy that exist, a Pod that does not), the rest is the body. Each input starts from
 * the same stored objects.
 *
 * <p>Invariants: no exception escapes the server; the answer is 200, 201, 202 (the CRUD dispatcher's JSON patch), 400, 404, 409,
 * 415 or 422 — never a 5xx
 * — with a JSON object body (the object, or a {@code Status} whose message says what was wrong; only the CRUD
 * dispatcher's own 404 has none); after it the object still reads back as a JSON object (or 404). Seeds ({@code EmbeddedApiServerPatchFuzzTestInputs/patch/}) are
 * patches {@code kubectl label}, {@code annotate}, {@code apply} and {@code apply --server-side} send.
 */
@Tag("fuzz")
class EmbeddedApiServerPatchFuzzTest
{
    static final List<String> CONTENT_TYPES = List.of("application/strategic-merge-patch+json",
        "application/merge-patch+json", "application/apply-patch+yaml", "application/json-patch+json");
    static final List<String> TARGETS = List.of("/api/v1/namespaces/shop/pods/web-0", "/api/v1/namespaces/shop",
        "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/db", "/api/v1/namespaces/shop/pods/missing");
    private static final Set<Integer> ALLOWED = Set.of(200, 201, 202, 400, 404, 409, 415, 422);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final EmbeddedApiServer SERVER = new EmbeddedApiServer();
    private static final Map<String, String> OBJECTS = Map.of(
        TARGETS.get(0), """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"shop","labels":{"app":"web"}},
             "spec":{"nodeName":"node-1","containers":[{"name":"web","image":"web",
             "ports":[{"containerPort":8080,"name":"http"}]}]},"status":{"podIP":"198.18.0.10"}}""",
        TARGETS.get(1), """
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"team":"a"}}}""",
        TARGETS.get(2), """
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"db","namespace":"shop"},
             "spec":{"podSelector":{"matchLabels":{"app":"db"}},"policyTypes":["Ingress"],
             "ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"web"}}}],"ports":[{"port":5432}]}]}}""");

    @FuzzTest(maxDuration = "2m")
    void patch(final byte[] data)
    {
        final String contentType = CONTENT_TYPES.get(data.length > 0 ? (data[0] & 0xFF) % CONTENT_TYPES.size() : 0);
        final String target = TARGETS.get(data.length > 1 ? (data[1] & 0xFF) % TARGETS.size() : 0);
        final byte[] body = data.length > 2 ? Arrays.copyOfRange(data, 2, data.length) : new byte[0];
        reset();

        final MockResponse response = SERVER.dispatch(request("PATCH", target, contentType, body));
        final String what = "PATCH " + target + " [" + contentType + "] " + new String(body, StandardCharsets.UTF_8);
        final String text = text(response);
        assertTrue(ALLOWED.contains(response.code()), () -> response.code() + " for " + what + ": " + text);
        if (response.code() == 404 && text.isEmpty())
        {
            // The CRUD dispatcher's own not-found answer has no body (a GET of a missing object has none either).
            return;
        }
        final JsonNode answer = JSON.readTree(text);
        assertTrue(answer.isObject(), () -> "not a JSON object for " + what + ": " + answer);
        if (response.code() >= 400)
        {
            assertEquals("Status", answer.path("kind").asString(), "an error that is no Status: " + answer);
            assertTrue(!answer.path("message").asString().isBlank(), "a Status without a message: " + answer);
        }

        final MockResponse after = SERVER.dispatch(request("GET", target, null, new byte[0]));
        final String afterText = text(after);
        assertTrue(after.code() == 200 || after.code() == 404, () -> "GET after " + what + ": " + after.code());
        if (after.code() == 200)
        {
            assertTrue(JSON.readTree(afterText).isObject(), () -> "GET after " + what + ": " + afterText);
        }
    }

    private static void reset()
    {
        for (final Map.Entry<String, String> object : OBJECTS.entrySet())
        {
            final String path = object.getKey();
            SERVER.dispatch(request("DELETE", path, null, new byte[0]));
            final MockResponse created = SERVER.dispatch(request("POST", path.substring(0, path.lastIndexOf('/')),
                "application/json", object.getValue().getBytes(StandardCharsets.UTF_8)));
            assertEquals(201, created.code(), () -> "creating " + path + ": " + text(created));
        }
    }

    private static RecordedRequest request(final String method, final String path, final String contentType,
        final byte[] body)
    {
        final Headers.Builder headers = Headers.builder();
        if (contentType != null)
        {
            headers.add("Content-Type", contentType);
        }
        return new RecordedRequest("HTTP/1.1", HttpMethod.valueOf(method), path, headers.build(), new Buffer(body));
    }

    private static String text(final MockResponse response)
    {
        return response.getBody() == null ? "" : response.getBody().readUtf8();
    }
}
