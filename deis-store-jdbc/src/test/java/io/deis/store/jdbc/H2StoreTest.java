package io.deis.store.jdbc;

import io.deis.store.Store;
import io.deis.store.contract.StoreContract;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on an H2 file; a reopen is a second store on the same file. */
class H2StoreTest extends StoreContract {
  @TempDir
  Path data;
  private final Map<Store, Path> directories = new HashMap<>();

  @Override
  protected Store newStore() {
    Path directory = data.resolve("store-" + directories.size());
    JdbcStore store = JdbcStore.h2(directory);
    directories.put(store, directory);
    return store;
  }

  @Override
  protected Optional<Store> reopen(Store store) {
    return Optional.of(JdbcStore.h2(directories.get(store)));
  }
}
