package dev.sluice.control.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LabelSelectorTest
{
    private static LabelSelector.Requirement req(final String key, final LabelSelector.Operator op,
        final String... values)
    {
        return new LabelSelector.Requirement(key, op, List.of(values));
    }

    @Test
    void emptySelectorMatchesEverything()
    {
        assertTrue(LabelSelector.EVERYTHING.matches(Map.of()));
        assertTrue(LabelSelector.EVERYTHING.matches(Map.of("a", "b")));
    }

    @Test
    void operatorsFollowKubernetes()
    {
        final Map<String, String> labels = Map.of("tier", "web", "env", "prod");
        assertTrue(req("tier", LabelSelector.Operator.In, "web", "db").matches(labels));
        assertFalse(req("tier", LabelSelector.Operator.In, "db").matches(labels));
        assertFalse(req("missing", LabelSelector.Operator.In, "web").matches(labels));
        assertTrue(req("tier", LabelSelector.Operator.NotIn, "db").matches(labels));
        assertFalse(req("tier", LabelSelector.Operator.NotIn, "web").matches(labels));
        assertTrue(req("missing", LabelSelector.Operator.NotIn, "web").matches(labels), "NotIn matches absent keys");
        assertTrue(req("env", LabelSelector.Operator.Exists).matches(labels));
        assertFalse(req("missing", LabelSelector.Operator.Exists).matches(labels));
        assertTrue(req("missing", LabelSelector.Operator.DoesNotExist).matches(labels));
        assertFalse(req("env", LabelSelector.Operator.DoesNotExist).matches(labels));
    }

    @Test
    void matchLabelsAndExpressionsAreAnded()
    {
        final LabelSelector s = new LabelSelector(Map.of("env", "prod"),
            List.of(req("tier", LabelSelector.Operator.In, "web")));
        assertTrue(s.matches(Map.of("env", "prod", "tier", "web")));
        assertFalse(s.matches(Map.of("env", "prod", "tier", "db")));
        assertFalse(s.matches(Map.of("env", "dev", "tier", "web")));
    }
}
