package io.netstack.tap.linux;

import java.nio.charset.StandardCharsets;

/**
 * The kernel's rules for network interface names ({@code dev_valid_name()} in {@code net/core/dev.c}), checked
 * before any syscall so that a bad name fails with the rule it broke rather than a bare EINVAL.
 */
public final class InterfaceName {
    /** {@code IFNAMSIZ}: 16 bytes including the terminating NUL. */
    public static final int IFNAMSIZ = 16;
    /** The longest name, in bytes. */
    public static final int MAX_LENGTH = IFNAMSIZ - 1;

    private InterfaceName() {
    }

    /**
     * Returns {@code name} if the kernel would accept it; the empty name means "let the kernel choose".
     *
     * @throws IllegalArgumentException naming the rule that {@code name} breaks
     */
    public static String validate(String name) {
        if (name == null) {
            throw new IllegalArgumentException("interface name is null (use \"\" to let the kernel choose one)");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name must not be \"" + name + "\"");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_LENGTH) {
            throw new IllegalArgumentException("interface name \"" + name + "\" is " + bytes
                    + " bytes long; the kernel allows at most " + MAX_LENGTH + " (IFNAMSIZ - 1)");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\0') {
                throw new IllegalArgumentException("interface name must not contain a NUL character");
            }
            if (c == '/' || c == ':') {
                throw new IllegalArgumentException(
                        "interface name \"" + name + "\" must not contain '" + c + "'");
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                throw new IllegalArgumentException(
                        "interface name \"" + name + "\" must not contain whitespace");
            }
        }
        return name;
    }
}
