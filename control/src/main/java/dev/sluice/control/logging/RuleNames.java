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
}
