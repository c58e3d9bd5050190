package io.netstack.handler.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 9293 section 3.4's comparisons, across the wrap of the 32-bit space. */
class SequenceNumbersTest {

    @Test
    void comparesAcrossTheWrap() {
        int beforeWrap = 0xffff_fff0;
        int afterWrap = 0x10;
        assertTrue(SequenceNumbers.before(beforeWrap, afterWrap));
        assertTrue(SequenceNumbers.after(afterWrap, beforeWrap));
        assertTrue(SequenceNumbers.atOrBefore(afterWrap, afterWrap));
        assertTrue(SequenceNumbers.within(0, beforeWrap, afterWrap));
        assertFalse(SequenceNumbers.within(afterWrap, beforeWrap, afterWrap), "the high end is outside");
        assertEquals(afterWrap, SequenceNumbers.latest(beforeWrap, afterWrap));
    }
}
