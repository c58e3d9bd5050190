package io.netstack.handler.tcp;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Initial sequence numbers as RFC 6528 section 3 makes them: {@code ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey)}, M a timer ticking every 4 microseconds and F a keyed hash (HMAC-SHA256 here) of the four
 * numbers under a secret drawn once per host. A new connection of the same four numbers starts beyond the old one's
 * numbers, while an off-path attacker cannot guess where.
 */
final class InitialSequenceNumbers {
    private static final String ALGORITHM = "HmacSHA256";
    private static final long NANOS_PER_TICK = 4_000;
    private final Mac mac;

    InitialSequenceNumbers() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try {
            mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every JDK", e);
        }
    }

    /** {@return the ISN of a new connection of {@code flow}, at {@code nanoTime}} */
    int next(FlowKey flow, long nanoTime) {
        byte[] hash = mac.doFinal(flow.bytes());
        int f = (hash[0] & 0xff) << 24 | (hash[1] & 0xff) << 16 | (hash[2] & 0xff) << 8 | hash[3] & 0xff;
        return (int) (nanoTime / NANOS_PER_TICK) + f;
    }
}
