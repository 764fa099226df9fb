/**
 * The smallest possible libc surface, through {@code java.lang.foreign}: errno names and hints, the exception
 * every failed native call turns into, interface name/index lookups and socket file descriptors.
 */
package dev.sluice.fastpath.sys;
