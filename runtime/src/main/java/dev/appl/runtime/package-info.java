/**
 * What compiled appliances run on: the kernel loop, the drivers and the stores.
 * Empty for now; they arrive with the next issue.
 */
package dev.appl.runtime;
