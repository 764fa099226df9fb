package dev.sluice.testkit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Enables {@link KernelTest}s only as root (see {@link TestEnvironment#strict()}). */
public final class KernelCondition implements ExecutionCondition
{
    static final String SKIP_REASON =
        "needs root (network namespaces, XDP, AF_XDP, BPF_PROG_TEST_RUN); run ./sluice test as root";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(final ExtensionContext context)
    {
        return decide(TestEnvironment.isRoot(), TestEnvironment.strict());
    }

    /** The decision, apart from how root and strictness are found out. */
    static ConditionEvaluationResult decide(final boolean root, final boolean strict)
    {
        if (root)
        {
            return ConditionEvaluationResult.enabled("running as root");
        }
        if (strict)
        {
            throw new IllegalStateException("SLUICE_STRICT=1 but not root: kernel tests cannot run");
        }
        return ConditionEvaluationResult.disabled(SKIP_REASON);
    }
}
