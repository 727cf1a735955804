package dev.appl.runtime.kernel;

/**
 * Thrown by generated functions and runtime helpers when a read falls outside the packet or an
 * index outside its array: the handler that called them catches it and takes the malformed path.
 * One shared instance without a stack trace, so that throwing it costs no allocation.
 */
public final class MalformedPacket extends RuntimeException {
    public static final MalformedPacket INSTANCE = new MalformedPacket();

    private MalformedPacket() {
        super("malformed packet", null, false, false);
    }
}
