package io.deis.store.jdbc;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks tests that need the embedded PostgreSQL server ({@link TestPostgres}). When it cannot start
 * they are skipped with one line saying why, unless the system property {@code deis.postgres.required}
 * is true (CI): then they fail.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PostgresCondition.class)
@interface RequiresPostgres {}
