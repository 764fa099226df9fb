package dev.sluice.testkit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Enables {@link KernelTest}s only as root (see {@link TestEnvironment#strict()}). */
public final class KernelCondition implements ExecutionCondition
{
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(final ExtensionContext context)
    {
        if (TestEnvironment.isRoot())
        {
            return ConditionEvaluationResult.enabled("running as root");
        }
        if (TestEnvironment.strict())
        {
            throw new IllegalStateException("SLUICE_STRICT=1 but not root: kernel tests cannot run");
        }
        return ConditionEvaluationResult.disabled(
            "needs root (network namespaces, XDP, AF_XDP, BPF_PROG_TEST_RUN); run ./sluice test as root");
    }
}
