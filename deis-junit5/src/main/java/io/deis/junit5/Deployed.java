package io.deis.junit5;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link DeisApp} field for the {@link DeisExtension}. A static field is deployed once
 * before the class's first test and removed after its last; an instance field is deployed before
 * each test and removed after it. The extension waits until the app's containers are up, and its
 * health check (when configured) answers, before the tests run.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Deployed {}
