/**
 * What compiled appliances run on: the kernel interface and helpers ({@code kernel}), trace I/O
 * ({@code io}), run-time table entries ({@code table}), the launcher ({@code launch}) and the
 * stores ({@code store}).
 */
package dev.appl.runtime;
