package io.deis.store.jdbc;

import io.deis.store.Store;
import io.deis.store.contract.StoreContract;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The store contract on a real PostgreSQL server; a reopen is a second store (its own pools) on the same database. */
@RequiresPostgres
class PostgresStoreTest extends StoreContract {
  private final Map<Store, String> urls = new HashMap<>();

  @Override
  protected Store newStore() {
    String url = TestPostgres.newDatabase();
    JdbcStore store = JdbcStore.postgres(url, TestPostgres.USER, TestPostgres.PASSWORD);
    urls.put(store, url);
    return store;
  }

  @Override
  protected Optional<Store> reopen(Store store) {
    return Optional.of(JdbcStore.postgres(urls.get(store), TestPostgres.USER, TestPostgres.PASSWORD));
  }
}
