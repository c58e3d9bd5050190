package io.netstack.tap;

/**
 * A network device's counters as the kernel keeps them ({@code struct rtnl_link_stats64}, the {@code IFLA_STATS64}
 * attribute of {@code RTM_GETLINK}), read fresh on each call of {@link TapChannelMetrics#kernelStatistics()}.
 *
 * <p>They count from the kernel's side of the device. For a TUN/TAP device, "rx" is what the device handed to the
 * kernel, that is what the application wrote to its fd; "tx" is what the kernel sent through the device, that is what
 * the application reads.
 *
 * @param rxPackets frames the kernel received from the device (the application wrote them)
 * @param txPackets frames the kernel queued for the application to read
 * @param rxBytes   bytes of {@code rxPackets}
 * @param txBytes   bytes of {@code txPackets}
 * @param rxErrors  frames written to the device that were malformed
 * @param txErrors  frames the kernel failed to send through the device
 * @param rxDropped frames written to the device that the kernel dropped (no memory, no room in its backlog)
 * @param txDropped frames the kernel dropped instead of queueing them for the application: for a TUN/TAP device,
 *                  mostly because the device's queue ({@code txqueuelen} frames) was full, the application reading
 *                  too slowly
 */
public record LinkStatistics(long rxPackets, long txPackets, long rxBytes, long txBytes, long rxErrors,
                             long txErrors, long rxDropped, long txDropped) {
}
