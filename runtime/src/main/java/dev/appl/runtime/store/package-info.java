/**
 * The stores a spec declares with {@code store}: {@link dev.appl.runtime.store.BlockStore}
 * ({@code blocks}), {@link dev.appl.runtime.store.LogStore} ({@code log}) and
 * {@link dev.appl.runtime.store.KvStore} ({@code kv}). Each lives in memory-mapped files whose
 * formats docs/storage.md describes; each acknowledges a write as durable only when a flush after
 * it has returned, and refuses a file it does not recognise ({@link dev.appl.runtime.store.StoreException})
 * rather than overwrite it.
 */
package dev.appl.runtime.store;
