package dev.appl.runtime.io;

import java.io.IOException;

/** A file that is not a pcap file this runtime can read; the message names the file and says why. */
public final class PcapException extends IOException {
    public PcapException(String message) {
        super(message);
    }
}
