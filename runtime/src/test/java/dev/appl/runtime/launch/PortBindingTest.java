package dev.appl.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The udp binding's AF_XDP options: what they parse to, how they print, and the mistakes. */
class PortBindingTest {
    private static PortBinding parse(String text) throws Replay.BadInput {
        return PortBinding.parse("dns", "datagram", text, Path.of("."));
    }

    @Test
    void xdpOptionsParseAndPrintBack() throws Exception {
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5353);
        assertEquals(new PortBinding.Udp(local), parse("udp:127.0.0.1:5353"));
        assertEquals(new PortBinding.UdpXdp(local, "lo", 4096), parse("udp:127.0.0.1:5353,xdp=lo"));
        assertEquals(new PortBinding.UdpXdp(local, "eth0", 131072), parse("udp:127.0.0.1:5353,xdp=eth0,frames=131072"));
        assertEquals("udp:127.0.0.1:5353,xdp=lo", parse("udp:127.0.0.1:5353,xdp=lo").toString());
        assertEquals("udp:[0:0:0:0:0:0:0:1]:53,xdp=lo,frames=64", parse("udp:[::1]:53,frames=64,xdp=lo").toString());
    }

    @Test
    void mistakesAreOneLine() {
        String[][] cases = {
            {"udp:127.0.0.1:53,xdp=", "port `dns`: `udp:127.0.0.1:53,xdp=`: an interface name is 1 to 15 characters"
                    + " without `/`"},
            {"udp:127.0.0.1:53,fast", "port `dns`: `udp:127.0.0.1:53,fast`: `fast` is not an option of a udp binding"
                    + " (xdp=IFACE, and with it frames=N)"},
            {"udp:127.0.0.1:53,xdp=lo,xdp=eth0", "port `dns`: `udp:127.0.0.1:53,xdp=lo,xdp=eth0`: `xdp=eth0` is not an"
                    + " option of a udp binding (xdp=IFACE, and with it frames=N)"},
            {"udp:127.0.0.1:53,xdp=lo,frames=100", "port `dns`: `udp:127.0.0.1:53,xdp=lo,frames=100`: frames= takes a"
                    + " power of two from 64 to 1048576 (UMEM frames of 4 KiB per socket)"},
            {"udp:127.0.0.1:53,frames=64", "port `dns`: `udp:127.0.0.1:53,frames=64`: frames= goes with xdp=IFACE"},
            {"udp:127.0.0.1,xdp=lo", "port `dns`: `udp:127.0.0.1,xdp=lo` is not HOST:PORT with a port from 0 to 65535"
                    + " (an IPv6 host goes in brackets: [::1]:5353)"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], assertThrows(Replay.BadInput.class, () -> parse(c[0])).getMessage(), c[0]);
        }
    }
}
