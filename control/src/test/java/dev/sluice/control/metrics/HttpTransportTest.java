package dev.sluice.control.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The transport choice: io_uring first, then epoll, then NIO, from a preference.
 */
class HttpTransportTest
{
    @Test
    void fallsBackDownTheOrder()
    {
        assertEquals(HttpTransport.IO_URING, HttpTransport.select("auto", true, true));
        assertEquals(HttpTransport.EPOLL, HttpTransport.select("auto", false, true));
        assertEquals(HttpTransport.NIO, HttpTransport.select("auto", false, false));
        assertEquals(HttpTransport.EPOLL, HttpTransport.select("io_uring", false, true));
        assertEquals(HttpTransport.EPOLL, HttpTransport.select("epoll", true, true));
        assertEquals(HttpTransport.NIO, HttpTransport.select("epoll", true, false));
        assertEquals(HttpTransport.NIO, HttpTransport.select("nio", true, true));
        assertEquals(HttpTransport.IO_URING, HttpTransport.select(null, true, true));
        assertEquals("sluice.http.transport must be auto, io_uring, epoll or nio, not 'kqueue'",
            assertThrows(IllegalArgumentException.class, () -> HttpTransport.select("kqueue", true, true)).getMessage());
    }

    @Test
    void ioUringAndEpollAreAvailableOnThisKernel()
    {
        assertTrue(HttpTransport.IO_URING.isAvailable(), () -> "io_uring: " + HttpTransport.IO_URING.unavailabilityCause());
        assertTrue(HttpTransport.EPOLL.isAvailable(), () -> "epoll: " + HttpTransport.EPOLL.unavailabilityCause());
        assertEquals(HttpTransport.IO_URING, HttpTransport.select("auto"));
    }
}
