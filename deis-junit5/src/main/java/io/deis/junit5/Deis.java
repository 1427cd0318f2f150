package io.deis.junit5;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class with the {@link DeisExtension}: its {@link Deployed @Deployed} fields are
 * deployed before the tests (static fields once for the class, instance fields before each test)
 * and removed after them.
 *
 * <pre>{@code
 * @Deis
 * class GreetingTest {
 *   @Deployed
 *   static final DeisApp app = DeisApp.fromDirectory(Path.of("src/test/apps/greeting")).withConfig("GREETING", "Howdy");
 *
 *   @Test
 *   void greets() throws Exception {
 *     HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(app.url()).build(), BodyHandlers.ofString());
 *     assertEquals("Howdy", r.body().strip());
 *   }
 * }
 * }</pre>
 *
 * <p>For options other than the backend, register the extension in a static field instead:
 * {@code @RegisterExtension static final DeisExtension deis = DeisExtension.builder()...build();}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(DeisExtension.class)
public @interface Deis {
  /** Where the apps run; default {@link Backend#AUTO}. */
  Backend backend() default Backend.AUTO;
}
