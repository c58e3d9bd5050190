package io.netstack.tap.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that talks to the real kernel: it needs CAP_NET_ADMIN and CAP_SYS_ADMIN, and runs in a network
 * namespace of its own so that the host's network is never touched. See {@link PrivateNetworkExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PrivateNetworkExtension.class)
public @interface KernelTest {
}
