/**
 * {@link io.netstack.tap.TapChannel}, a Netty channel over a Linux TAP or TUN device, its configuration and its
 * counters.
 *
 * <h2>When the device changes under the channel</h2>
 * <ul>
 *   <li><b>Link set down</b> ({@code ip link set tap0 down}), and up again: the channel stays open and active. While
 *       the link is down the kernel sends nothing through the device, so nothing is read; each write fails its own
 *       promise with an {@link java.io.IOException} caused by the kernel's EIO, counted in
 *       {@link TapChannelMetrics#writeErrors()}, and the next write is tried again. Once the link is up, reads and
 *       writes go on by themselves.</li>
 *   <li><b>Device deleted</b> ({@code ip link del tap0}): the channel fires a {@link TunTapException} (EBADFD, naming
 *       the device) through the pipeline and closes. It learns it from the loop's error event or a failed read while
 *       idle, or from the failed write while writing; writes still pending fail. A channel that is not reading, or
 *       that the kernel woke before letting go of it, learns it by asking the kernel after half a second without
 *       frames.</li>
 *   <li><b>Reader slower than the traffic</b>: the kernel queues up to {@code txqueuelen} frames for the channel and
 *       drops the rest, counting them in the device's tx_dropped ({@link TapChannelMetrics#kernelTxDropped()}). Frames
 *       are read in the order the kernel queued them, and the channel drops none without counting it in
 *       {@link TapChannelMetrics}.</li>
 * </ul>
 */
package io.netstack.tap;
