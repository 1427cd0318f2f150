package io.deis.store;

import io.deis.store.contract.StoreContract;

/** The store contract on the default, in-memory store. */
class InMemoryStoreTest extends StoreContract {
  @Override
  protected Store newStore() {
    return new InMemoryStore();
  }
}
