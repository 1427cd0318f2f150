package io.deis.scheduler.k8s;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks tests whose fake kubelet runs the test web process, {@code busybox httpd}. Without busybox
 * on the PATH they are skipped with one line saying so, unless the system property
 * {@code deis.busybox.required} is true (CI, where .ci/run installs it): then they fail.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(BusyboxCondition.class)
public @interface RequiresBusybox {}
