package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.AuthenticationException;
import io.deis.error.ConflictException;
import io.deis.error.InvalidInputException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.model.User;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What administrators may do to other users' accounts, and the registration modes. */
class AdministrationTest {
  @TempDir
  Path tmp;
  Controller deis;

  private Controller controller(RegistrationMode mode) {
    deis = Controller.builder().trustedUsersOnly(true).dataDirectory(tmp.resolve("data")).passwordHashIterations(1000).registrationMode(mode).build();
    return deis;
  }

  @AfterEach
  void tearDown() {
    if (deis != null) {
      deis.close();
    }
  }

  @Test
  void adminOnlyModeLetsTheFirstUserAndThenOnlyAdministratorsRegister() {
    Controller c = controller(RegistrationMode.ADMIN_ONLY);
    assertThat(c.register("root", "root-pw", "").admin()).isTrue();
    assertThatThrownBy(() -> c.register("eve", "eve-pw", ""))
        .isInstanceOf(PermissionDeniedException.class).hasMessage("Registration is restricted to administrators");
    Session root = c.login("root", "root-pw");
    User bob = root.register("bob", "bob-pw", "bob@example.com");
    assertThat(bob.admin()).isFalse();
    Session bobSession = c.login("bob", "bob-pw");
    assertThatThrownBy(() -> bobSession.register("eve", "eve-pw", "")).isInstanceOf(PermissionDeniedException.class);
    assertThat(root.users()).extracting(User::username).containsExactly("root", "bob");
  }

  @Test
  void disabledModeRefusesEveryoneButTheFirstUser() {
    Controller c = controller(RegistrationMode.DISABLED);
    c.register("root", "root-pw", "");
    Session root = c.login("root", "root-pw");
    assertThatThrownBy(() -> c.register("eve", "eve-pw", "")).hasMessage("Registration is disabled");
    assertThatThrownBy(() -> root.register("eve", "eve-pw", "")).hasMessage("Registration is disabled");
    assertThat(root.users()).hasSize(1);
  }

  @Test
  void enabledModeLetsAnyoneRegisterAndASessionRegistersOthersAsItself() {
    Controller c = controller(RegistrationMode.ENABLED);
    c.register("root", "root-pw", "");
    c.register("bob", "bob-pw", "");
    assertThat(c.login("bob", "bob-pw").register("carol", "carol-pw", "").admin()).isFalse();
  }

  @Test
  void anAdministratorRegeneratesAnotherUsersTokenAndTheOldOneStopsWorking() {
    Controller c = controller(RegistrationMode.ENABLED);
    c.register("root", "root-pw", "");
    c.register("bob", "bob-pw", "");
    Session root = c.login("root", "root-pw");
    String old = c.login("bob", "bob-pw").token().orElseThrow();

    String fresh = root.regenerateToken("bob");

    assertThat(fresh).isNotEqualTo(old);
    assertThatThrownBy(() -> c.authenticate(old)).isInstanceOf(AuthenticationException.class);
    assertThat(c.authenticate(fresh).user().username()).isEqualTo("bob");
    Session bob = c.authenticate(fresh);
    assertThatThrownBy(() -> bob.regenerateToken("root")).isInstanceOf(PermissionDeniedException.class);
    assertThat(bob.regenerateToken("bob")).isNotEqualTo(fresh);
    assertThatThrownBy(() -> root.regenerateToken("ghost")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> root.regenerateToken(null)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void regeneratingAllTokensEndsEverySessionTheCallersToo() {
    Controller c = controller(RegistrationMode.ENABLED);
    c.register("root", "root-pw", "");
    c.register("bob", "bob-pw", "");
    Session root = c.login("root", "root-pw");
    String bobToken = c.login("bob", "bob-pw").token().orElseThrow();
    assertThatThrownBy(() -> c.authenticate(bobToken).regenerateAllTokens()).isInstanceOf(PermissionDeniedException.class);

    root.regenerateAllTokens();

    assertThatThrownBy(() -> c.authenticate(bobToken)).isInstanceOf(AuthenticationException.class);
    assertThatThrownBy(() -> c.authenticate(root.token().orElseThrow())).isInstanceOf(AuthenticationException.class);
    assertThat(c.login("bob", "bob-pw").user().username()).isEqualTo("bob");
  }

  @Test
  void anAdministratorSetsAnotherUsersPasswordAndOthersMayNot() {
    Controller c = controller(RegistrationMode.ENABLED);
    c.register("root", "root-pw", "");
    c.register("bob", "bob-pw", "");
    c.register("carol", "carol-pw", "");
    Session root = c.login("root", "root-pw");
    Session bob = c.login("bob", "bob-pw");

    root.setPassword("bob", "new-bob-pw");

    assertThatThrownBy(bob::user).isInstanceOf(AuthenticationException.class); // bob's sessions end with the old password
    bob = c.login("bob", "new-bob-pw");
    Session bobAgain = bob;
    assertThatThrownBy(() -> c.login("bob", "bob-pw")).isInstanceOf(AuthenticationException.class);
    assertThatThrownBy(() -> bobAgain.setPassword("carol", "x")).isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> bobAgain.setPassword("bob", "x")).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("current one");
    assertThatThrownBy(() -> root.setPassword("bob", "")).isInstanceOf(InvalidInputException.class);
    assertThat(c.login("carol", "carol-pw").user().username()).isEqualTo("carol");
  }

  @Test
  void anAdministratorDeletesAnotherUserUnlessTheyOwnApps() {
    Controller c = controller(RegistrationMode.ENABLED);
    c.register("root", "root-pw", "");
    c.register("bob", "bob-pw", "");
    c.register("carol", "carol-pw", "");
    Session root = c.login("root", "root-pw");
    Session bob = c.login("bob", "bob-pw");
    bob.createApp("bobs-app");

    assertThatThrownBy(() -> root.deleteUser("bob")).isInstanceOf(ConflictException.class)
        .hasMessage("bob still has applications assigned. Delete or transfer ownership");
    assertThatThrownBy(() -> bob.deleteUser("carol")).isInstanceOf(PermissionDeniedException.class);
    root.deleteUser("carol");
    assertThat(root.users()).extracting(User::username).containsExactly("root", "bob");
    assertThat(root.administrators()).extracting(User::username).containsExactly("root");
    assertThatThrownBy(bob::administrators).isInstanceOf(PermissionDeniedException.class);
  }
}
