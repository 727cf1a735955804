/**
 * The bytecode backend: an appliance's IR becomes one class that implements
 * {@link dev.appl.runtime.kernel.Kernel} ({@link dev.appl.compiler.codegen.Codegen}), loaded by
 * {@link dev.appl.compiler.codegen.CompiledAppliance} and driven like the interpreter through
 * {@link dev.appl.compiler.interp.Engine} ({@link dev.appl.compiler.codegen.CompiledKernel});
 * {@link dev.appl.compiler.interp.TestRunner} runs a spec's tests on either engine.
 *
 * <h2>How values are held</h2>
 * <ul>
 *   <li>Scalars of at most 64 bits (bool, uN, iN, ip4, mac, enums, size, duration, which action
 *       ran) are JVM {@code long}s with the interpreter's bits: unsigned zero-extended, signed
 *       sign-extended, wrapped to their width after every operation.
 *   <li>ip6 values are {@code BigInteger}s, as in the interpreter (v1; two longs later).
 *   <li>bytes are {@code MemorySegment}s: a slice of the packet is a view (no copy), constants are
 *       read-only static segments. A handler that writes the packet (a field store, push, pop,
 *       truncate or append) copies bytes values when it stores them in a local, so that they keep
 *       the bytes they had, as the interpreter's copies do; not when every read of the local comes
 *       before the next write in the same block (the parameters of an expanded function), nor for
 *       constants, locals and slices of them.
 *   <li>struct and header values whose fields are all scalars, ip6 or bytes are scalar-replaced
 *       ({@code Shapes.exploded}): a local of such a type is one JVM local per field; a function
 *       takes one argument per field and returns such a value through per-kernel fields
 *       ({@code r$f$i}, read right after the call: one kernel instance is driven by one thread); a
 *       pushed header value is written field by field straight into the room made in the packet
 *       (big-endian words composed from the fields), and a replied one into the scratch buffer;
 *       map keys and values are packed into per-map scratch arrays ({@code mk$i}, {@code mv$i})
 *       that the map copies from, and a value read by {@code get} is read word by word.
 *   <li>other struct, header and array values (arrays, values nesting aggregates, and whole values
 *       where one is needed: comparisons, tests) are {@code long[]} (one word per part) when every
 *       part is a scalar, else {@code Object[]} with boxed parts. They are never changed in place:
 *       a part assignment copies the array, so values can be shared freely (constants are built
 *       once).
 *   <li>packet headers are offset locals ({@code long}, -1 when absent); the packet itself is the
 *       buffer segment, the packet's start in it and its length, in three JVM locals.
 * </ul>
 *
 * <p>The temporaries a statement needs take JVM locals that the next statement reuses.
 *
 * <h2>Large handlers</h2>
 * HotSpot never JIT-compiles a method of more than 8,000 bytes of bytecode. A packet handler's
 * method that would be larger has statements moved into private methods of their own, its pieces
 * ({@link dev.appl.compiler.codegen.Outliner}), until each method is at most 7,000 bytes: a piece
 * takes the packet and the locals it shares with the rest of the handler as arguments, writes the
 * shared locals it assigns back through per-kernel fields ({@code h$i$k$slot$part}, read right
 * after the call) and returns the handler's fate or a code saying the handler goes on (falls
 * through, breaks, continues or leaves).
 *
 * <h2>Where a packet still allocates</h2>
 * The samples allocate nothing per packet ({@code AllocationTest}). What still allocates: an array
 * value built at run time (a constant array is built once); a struct or header value nesting
 * another; a whole value where one is needed (comparing two struct values, a stacked packet
 * value); a header value read whole from the packet ({@code let copy = h.ip}, with a copy of its
 * trailing bytes); a slice of the packet (a small segment object, which escape analysis usually
 * removes); a stored bytes value in a handler that writes the packet; ip6 values.
 *
 * <h2>The malformed path</h2>
 * A handler's body runs inside a handler for the shared {@code MalformedPacket}: checks between
 * statements jump to the malformed exit, checks inside expressions (packet reads, array indexes,
 * slices) and in functions throw the shared instance.
 */
package dev.appl.compiler.codegen;
