package dev.appl.runtime.io;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The XDP program of a datagram port served through AF_XDP ({@link XdpEndpoint}), assembled as eBPF
 * instructions: an Ethernet frame carrying an unfragmented UDP datagram (IPv4 without options, or
 * IPv6 with UDP as its first next header) for the port's address and UDP port, no longer than a
 * UMEM frame takes, is redirected to the AF_XDP socket of the receive queue it arrived on
 * ({@code bpf_redirect_map} on the port's XSKMAP, keyed by the queue); everything else, and a frame
 * of a queue that has no socket, goes on up the Linux stack ({@code XDP_PASS}), where the port's
 * UDP socket takes what is for it (fragments, IP options, VLAN tags, large datagrams).
 *
 * <p>The program reads the frame only after comparing the frame's end ({@code data_end}) with the
 * furthest byte it reads, as the verifier demands. It loads packet fields in the CPU's byte order,
 * so the constants it compares them with are the network-order bytes read that way: the machines
 * the runtime supports (x86_64, aarch64) are little-endian.
 */
final class XdpProgram {
    private XdpProgram() {}

    static final int XDP_PASS = 2;
    private static final int BPF_FUNC_REDIRECT_MAP = 51;
    private static final int BPF_PSEUDO_MAP_FD = 1;
    private static final int ETH = 14;
    private static final int UDP4_END = ETH + 20 + 8;
    private static final int UDP6_END = ETH + 40 + 8;

    // struct xdp_md: the fields the program reads.
    private static final int MD_DATA = 0;
    private static final int MD_DATA_END = 4;
    private static final int MD_RX_QUEUE_INDEX = 16;

    /**
     * The program for datagrams to {@code address} (any address of the interface when it is the
     * wildcard: 0.0.0.0 for IPv4, :: for both) and UDP port {@code port} in frames of at most
     * {@code maxFrame} bytes, redirected through the XSKMAP {@code mapFd}.
     */
    static long[] assemble(InetAddress address, int port, int maxFrame, int mapFd) {
        boolean any = address.isAnyLocalAddress();
        boolean v4 = address instanceof Inet4Address || any;
        boolean v6 = address instanceof Inet6Address;
        Assembler a = new Assembler();
        a.movReg(6, 1); // the context, kept for the queue index
        a.load(Assembler.W, 2, 1, MD_DATA);
        a.load(Assembler.W, 3, 1, MD_DATA_END);
        // Every frame the program takes is at least an Ethernet, IPv4 and UDP header long...
        a.movReg(4, 2);
        a.addImm(4, UDP4_END);
        a.jumpReg(Assembler.JGT, 4, 3, "pass");
        // ...and at most maxFrame bytes long: a longer one would not fit in a UMEM frame.
        a.movReg(4, 2);
        a.addImm(4, maxFrame + 1);
        a.jumpReg(Assembler.JLE, 4, 3, "pass");
        a.load(Assembler.H, 5, 2, 12);
        if (v4) {
            a.jumpImm(Assembler.JEQ, 5, net16(0x0800), "ipv4");
        }
        if (v6) {
            a.jumpImm(Assembler.JEQ, 5, net16(0x86dd), "ipv6");
        }
        a.jump("pass");
        if (v4) {
            a.label("ipv4");
            a.load(Assembler.B, 5, 2, ETH);
            a.jumpImm(Assembler.JNE, 5, 0x45, "pass"); // version 4, a 20-byte header: no options
            a.load(Assembler.B, 5, 2, ETH + 9);
            a.jumpImm(Assembler.JNE, 5, 17, "pass");
            a.load(Assembler.H, 5, 2, ETH + 6);
            a.andImm(5, net16(0x3fff)); // more fragments, or a fragment offset: not a whole datagram
            a.jumpImm(Assembler.JNE, 5, 0, "pass");
            if (!any) {
                a.load(Assembler.W, 5, 2, ETH + 16);
                a.jump32Imm(Assembler.JNE, 5, net32(address.getAddress(), 0), "pass");
            }
            a.load(Assembler.H, 5, 2, ETH + 20 + 2);
            a.jumpImm(Assembler.JNE, 5, net16(port), "pass");
            a.jump("redirect");
        }
        if (v6) {
            a.label("ipv6");
            a.movReg(4, 2);
            a.addImm(4, UDP6_END);
            a.jumpReg(Assembler.JGT, 4, 3, "pass");
            a.load(Assembler.B, 5, 2, ETH + 6);
            a.jumpImm(Assembler.JNE, 5, 17, "pass");
            if (!any) {
                byte[] bytes = address.getAddress();
                for (int k = 0; k < 4; k++) {
                    a.load(Assembler.W, 5, 2, ETH + 24 + 4 * k);
                    a.jump32Imm(Assembler.JNE, 5, net32(bytes, 4 * k), "pass");
                }
            }
            a.load(Assembler.H, 5, 2, ETH + 40 + 2);
            a.jumpImm(Assembler.JNE, 5, net16(port), "pass");
        }
        a.label("redirect");
        a.load(Assembler.W, 2, 6, MD_RX_QUEUE_INDEX);
        a.loadMapFd(1, mapFd);
        a.movImm(3, XDP_PASS); // what the frame gets when the queue has no socket in the map
        a.call(BPF_FUNC_REDIRECT_MAP);
        a.exit();
        a.label("pass");
        a.movImm(0, XDP_PASS);
        a.exit();
        return a.instructions();
    }

    /** A 16-bit field in network order, as a little-endian load reads it. */
    private static int net16(int value) {
        return Short.toUnsignedInt(Short.reverseBytes((short) value));
    }

    /** Four bytes in network order, as a little-endian 32-bit load reads them. */
    private static int net32(byte[] bytes, int at) {
        return ByteBuffer.wrap(bytes, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /**
     * Encodes eBPF instructions ({@code struct bpf_insn}: an opcode byte, the destination register
     * in the low and the source register in the high nibble of the next, a 16-bit offset, a 32-bit
     * immediate), each as the little-endian long it is in memory; jumps go to labels, resolved at
     * the end.
     */
    static final class Assembler {
        static final int W = 0x00;
        static final int H = 0x08;
        static final int B = 0x10;
        static final int JEQ = 0x10;
        static final int JGT = 0x20;
        static final int JNE = 0x50;
        static final int JLE = 0xb0;
        private static final int LDX_MEM = 0x61;
        private static final int ALU64_MOV_REG = 0xbf;
        private static final int ALU64_MOV_IMM = 0xb7;
        private static final int ALU64_ADD_IMM = 0x07;
        private static final int ALU64_AND_IMM = 0x57;
        private static final int JMP = 0x05;
        private static final int JMP32 = 0x06;
        private static final int SRC_REG = 0x08;
        private static final int CALL = 0x85;
        private static final int EXIT = 0x95;
        private static final int LD_IMM64 = 0x18;

        private final List<Long> code = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();
        private final Map<Integer, String> jumps = new HashMap<>();

        private void emit(int opcode, int dst, int src, int offset, int imm) {
            code.add((opcode & 0xffL) | (long) (dst | src << 4) << 8 | (offset & 0xffffL) << 16
                    | (imm & 0xffffffffL) << 32);
        }

        void load(int size, int dst, int src, int offset) {
            emit(LDX_MEM | size, dst, src, offset, 0);
        }

        void movReg(int dst, int src) {
            emit(ALU64_MOV_REG, dst, src, 0, 0);
        }

        void movImm(int dst, int imm) {
            emit(ALU64_MOV_IMM, dst, 0, 0, imm);
        }

        void addImm(int dst, int imm) {
            emit(ALU64_ADD_IMM, dst, 0, 0, imm);
        }

        void andImm(int dst, int imm) {
            emit(ALU64_AND_IMM, dst, 0, 0, imm);
        }

        void jumpImm(int op, int dst, int imm, String label) {
            jumps.put(code.size(), label);
            emit(JMP | op, dst, 0, 0, imm);
        }

        /** A 32-bit comparison: a 64-bit one would sign-extend an immediate with its top bit set. */
        void jump32Imm(int op, int dst, int imm, String label) {
            jumps.put(code.size(), label);
            emit(JMP32 | op, dst, 0, 0, imm);
        }

        void jumpReg(int op, int dst, int src, String label) {
            jumps.put(code.size(), label);
            emit(JMP | op | SRC_REG, dst, src, 0, 0);
        }

        void jump(String label) {
            jumps.put(code.size(), label);
            emit(JMP, 0, 0, 0, 0);
        }

        /** {@code dst} = the map of file descriptor {@code fd} (two instruction slots). */
        void loadMapFd(int dst, int fd) {
            emit(LD_IMM64, dst, BPF_PSEUDO_MAP_FD, 0, fd);
            emit(0, 0, 0, 0, 0);
        }

        void call(int helper) {
            emit(CALL, 0, 0, 0, helper);
        }

        void exit() {
            emit(EXIT, 0, 0, 0, 0);
        }

        void label(String name) {
            labels.put(name, code.size());
        }

        long[] instructions() {
            long[] out = new long[code.size()];
            for (int i = 0; i < out.length; i++) {
                long insn = code.get(i);
                String label = jumps.get(i);
                if (label != null) {
                    int offset = labels.get(label) - i - 1;
                    insn = insn & ~(0xffffL << 16) | (offset & 0xffffL) << 16;
                }
                out[i] = insn;
            }
            return out;
        }
    }
}
