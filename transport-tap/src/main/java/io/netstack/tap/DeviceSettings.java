package io.netstack.tap;

import io.netstack.wire.CidrAddress;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.tap.linux.NetDeviceControl;
import io.netstack.tap.linux.TunTapDevice;

import java.util.List;

/**
 * The device settings a channel was asked for before it bound; {@code null} means "leave the kernel's value".
 * Applied in one place, in an order chosen so that a failure leaves no device behind: persistence comes last, so
 * until then closing the fd removes a device the bind created.
 */
final class DeviceSettings {
    Boolean persistent;
    Integer owner;
    Integer group;
    Integer mtu;
    MacAddress macAddress;
    Integer txQueueLength;
    Boolean carrier;
    List<CidrAddress> addresses = List.of();
    Boolean linkUp;

    /** Checks what can be checked before touching the device. */
    void validate(TunTapDevice device) {
        boolean willPersist = persistent != null ? persistent : device.isPersistent();
        if ((owner != null || group != null) && !willPersist) {
            throw new IllegalArgumentException("OWNER and GROUP let another user attach to " + device.name()
                    + " later, which needs a persistent device: set TapChannelOption.PERSISTENT too");
        }
        if (macAddress != null && device.mode() != LinkLayer.ETHERNET) {
            throw new IllegalArgumentException(device.name() + " is a TUN device: it has no MAC address to set");
        }
    }

    void applyTo(TunTapDevice device) throws TunTapException {
        validate(device);
        String name = device.name();
        if (macAddress != null) {
            NetDeviceControl.setMacAddress(name, macAddress);
        }
        if (mtu != null) {
            NetDeviceControl.setMtu(name, mtu);
        }
        if (txQueueLength != null) {
            NetDeviceControl.setTxQueueLength(name, txQueueLength);
        }
        if (carrier != null) {
            device.setCarrier(carrier);
        }
        for (CidrAddress address : addresses) {
            NetDeviceControl.addAddress(name, address);
        }
        if (owner != null) {
            device.setOwner(owner);
        }
        if (group != null) {
            device.setGroup(group);
        }
        if (linkUp != null) {
            NetDeviceControl.setUp(name, linkUp);
        }
        if (persistent != null) {
            device.setPersistent(persistent);
        }
    }
}
