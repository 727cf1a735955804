/**
 * The kernel contract and what generated kernels call: {@link dev.appl.runtime.kernel.Kernel} (the
 * interface a compiled appliance implements), {@link dev.appl.runtime.kernel.PacketView} (a
 * reusable window on a packet in its buffer), maps ({@link dev.appl.runtime.kernel.FlowMap}),
 * run-time table entries ({@link dev.appl.runtime.kernel.EntryTable}), push, pop and reply in a
 * buffer ({@link dev.appl.runtime.kernel.Packets}), header layouts
 * ({@link dev.appl.runtime.kernel.HeaderFormat}) and bit fields ({@link dev.appl.runtime.kernel.Bits}).
 * Everything here behaves exactly as the reference interpreter does; none of it is thread-safe:
 * one kernel instance belongs to one worker.
 */
package dev.appl.runtime.kernel;
