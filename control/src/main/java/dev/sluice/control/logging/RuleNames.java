package dev.sluice.control.logging;

/**
 * Maps the rule ids that the policy compiler put in the fast-path tables (and that verdict events carry in
 * {@code ruleId}) back to the policy objects they came from. The compiler provides one per table generation.
 */
@FunctionalInterface
public interface RuleNames
{
    /** No rules: every id is unknown. */
    RuleNames NONE = ruleId -> null;

    /**
     * @param ruleId a rule id of the installed tables.
     * @return the policy that rule belongs to, or {@code null} when the id is unknown (or -1).
     */
    PolicyRef policy(int ruleId);

    /**
     * The rule names of one compiled policy snapshot: rule id to its {@code namespace/name} NetworkPolicy,
     * resolved once here.
     *
     * @param policy the snapshot whose rule ids the workers' verdict events carry.
     * @return its names.
     */
    static RuleNames of(final dev.sluice.fastpath.policy.PolicySnapshot policy)
    {
        final PolicyRef[] refs = new PolicyRef[policy.ruleCount()];
        for (int i = 0; i < refs.length; i++)
        {
            final String name = policy.ruleName(i);
            final int slash = name.indexOf('/');
            refs[i] = PolicyRef.networkPolicy(name.substring(0, Math.max(0, slash)), name.substring(slash + 1));
        }
        return ruleId -> ruleId >= 0 && ruleId < refs.length ? refs[ruleId] : null;
    }
}
