package dev.appl.runtime.io;

import dev.appl.runtime.sys.Libc;
import java.io.IOException;

/** A port that cannot be opened or served: the message names the port and says why, in one line. */
public final class PortException extends IOException {
    public PortException(String message) {
        super(message);
    }

    /** {@code what} failed with libc's {@code errno}, said as the user can act on it. */
    static PortException of(String port, String what, int errno) {
        String why = switch (errno) {
            case 1, 13 -> Libc.strerror(errno).toLowerCase(java.util.Locale.ROOT)
                    + ": this needs root (or CAP_NET_RAW for afpacket, CAP_NET_BIND_SERVICE below port 1024)";
            case 98 -> "the address is already in use by another program";
            case 99 -> "the address is not one of this machine's";
            case 19 -> "no such network interface";
            default -> Libc.strerror(errno);
        };
        return new PortException("port `" + port + "`: " + what + ": " + why);
    }
}
