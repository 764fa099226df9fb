package dev.sluice.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that needs root and the real kernel (network namespaces, veth, XDP, AF_XDP, BPF_PROG_TEST_RUN).
 * Tagged {@code kernel}; skipped with a reason when not root, failed instead under {@code SLUICE_STRICT=1}.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Tag("kernel")
@ExtendWith(KernelCondition.class)
public @interface KernelTest
{
}
