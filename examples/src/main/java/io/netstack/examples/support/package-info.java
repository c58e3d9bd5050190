/**
 * What the runnable examples in {@code io.netstack.examples} share: the demo device and its addresses, the kernel's
 * side of the conversation ({@code ping}, a UDP socket) and round-trip statistics. Nothing here has a main method;
 * {@code examples/demo.sh} runs only the classes that do.
 */
package io.netstack.examples.support;
