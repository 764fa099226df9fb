package dev.sluice.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class KernelConditionTest
{
    @Test
    void asRootKernelTestsRun()
    {
        assertFalse(KernelCondition.decide(true, false).isDisabled());
        assertFalse(KernelCondition.decide(true, true).isDisabled());
    }

    @Test
    void notRootTheySkipWithTheReason()
    {
        final ConditionEvaluationResult result = KernelCondition.decide(false, false);
        assertTrue(result.isDisabled());
        assertEquals(KernelCondition.SKIP_REASON, result.getReason().orElseThrow());
    }

    @Test
    void notRootUnderStrictTheyFailInsteadOfSkipping()
    {
        final IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> KernelCondition.decide(false, true));
        assertTrue(e.getMessage().contains("SLUICE_STRICT=1"));
    }

    @Test
    void rootIsReadFromTheEffectiveUid()
    {
        // This suite runs as root in CI (./sluice test); elsewhere it must agree with the JVM's user name.
        assertEquals("root".equals(System.getProperty("user.name")), TestEnvironment.isRoot());
    }
}
