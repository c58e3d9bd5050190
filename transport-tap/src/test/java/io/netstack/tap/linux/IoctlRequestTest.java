package io.netstack.tap.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IoctlRequestTest {
    /** Values as the x86-64 kernel headers define them (printf("%#x", TUNSETIFF) and friends in C). */
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "TUNSETIFF, 0x400454ca",
            "TUNSETPERSIST, 0x400454cb",
            "TUNSETOWNER, 0x400454cc",
            "TUNSETGROUP, 0x400454ce",
            "TUNGETFEATURES, 0x800454cf",
            "TUNGETIFF, 0x800454d2",
            "TUNSETQUEUE, 0x400454d9",
            "TUNSETOFFLOAD, 0x400454d0",
            "TUNSETVNETHDRSZ, 0x400454d8",
            "TUNSETVNETLE, 0x400454dc",
    })
    void matchesTheKernelHeaders(String name, String expected) throws ReflectiveOperationException {
        long actual = IoctlRequest.class.getField(name).getLong(null);
        assertEquals(Long.decode(expected), actual, name);
    }

    @Test
    void encodesTheMacroFieldsLikeAsmGenericIoctlH() {
        // _IO('T', 1): no direction, no size.
        assertEquals(0x5401, IoctlRequest.io('T', 1));
        // _IOR('T', 202, 4) differs from _IOW only in the direction bits.
        assertEquals(0x800454caL, IoctlRequest.ioRead('T', 202, 4));
    }

    @Test
    void rejectsFieldsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class, () -> IoctlRequest.ioWrite('T', 256, 4));
        assertThrows(IllegalArgumentException.class, () -> IoctlRequest.ioWrite('T', 1, 1 << 14));
    }
}
