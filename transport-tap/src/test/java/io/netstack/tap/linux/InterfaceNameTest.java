package io.netstack.tap.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterfaceNameTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "tap0", "t", "fifteen-bytes-x", "tap%d", "tap.1", "tap_ü"})
    void acceptsWhatTheKernelAccepts(String name) {
        assertEquals(name, InterfaceName.validate(name));
    }

    @Test
    void rejectsNamesLongerThanFifteenBytes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InterfaceName.validate("sixteen-bytes-xx"));
        assertTrue(e.getMessage().contains("16 bytes") && e.getMessage().contains("at most 15"), e.getMessage());
    }

    @Test
    void countsBytesNotCharacters() {
        // 8 characters, 16 bytes in UTF-8.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InterfaceName.validate("üüüüüüüü"));
        assertTrue(e.getMessage().contains("16 bytes"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tap/0", "tap:0"})
    void rejectsSlashAndColon(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceName.validate(name));
        assertTrue(e.getMessage().contains("must not contain '" + name.charAt(3) + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tap 0", "tap\t0", "tap\n0", " tap"})
    void rejectsWhitespace(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceName.validate(name));
        assertTrue(e.getMessage().contains("whitespace"), e.getMessage());
    }

    @Test
    void rejectsNul() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InterfaceName.validate("tap\0evil"));
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void rejectsDotAndDotDot(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceName.validate(name));
        assertTrue(e.getMessage().contains("must not be \"" + name + "\""), e.getMessage());
    }

    @Test
    void rejectsNullWithAHint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceName.validate(null));
        assertTrue(e.getMessage().contains("\"\""), e.getMessage());
    }
}
