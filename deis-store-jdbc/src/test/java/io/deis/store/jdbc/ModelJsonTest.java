package io.deis.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.StoreException;
import io.deis.model.Formation;
import org.junit.jupiter.api.Test;

/** A JSON column that holds something else fails naming the column, never quoting what it holds. */
class ModelJsonTest {
  @Test
  void aFormationRoundTrips() {
    Formation formation = Formation.parse("web=3 worker=0");
    assertThat(ModelJson.formation(ModelJson.formation(formation))).isEqualTo(formation);
    assertThat(ModelJson.formation(ModelJson.formation(Formation.EMPTY))).isEqualTo(Formation.EMPTY);
  }

  @Test
  void whatIsNotTheValueExpectedIsRefusedWithoutQuotingIt() {
    assertThatThrownBy(() -> AppRows.decode(() -> ModelJson.config("{\"uuid\": \"u\", \"values\": {\"SECRET\": \"hunter2\"}"), "the config of v2"))
        .isInstanceOf(StoreException.class).hasMessageStartingWith("the config of v2 cannot be read: column config does not hold valid JSON")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> AppRows.decode(() -> ModelJson.config("{\"uuid\": \"u\", \"values\": {\"SECRET\": \"hunter2\"}}"), "the config of v2"))
        .isInstanceOf(StoreException.class).hasMessageContaining("is missing or not").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> AppRows.decode(() -> ModelJson.formation("{\"web\": \"two\"}"), "the structure of app 'x'"))
        .isInstanceOf(StoreException.class).hasMessage("the structure of app 'x' cannot be read: entry 'web' is not a whole number");
    assertThatThrownBy(() -> AppRows.decode(() -> ModelJson.formation("[1]"), "the structure of app 'x'"))
        .isInstanceOf(StoreException.class).hasMessageContaining("does not hold a JSON object");
  }
}
