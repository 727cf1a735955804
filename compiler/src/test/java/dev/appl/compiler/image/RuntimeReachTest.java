package dev.appl.compiler.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

class RuntimeReachTest {
    private static final String R = "dev/appl/runtime/";

    @Test
    void followsNamesThroughEveryKindOfConstantAndLeavesTheRestOut() {
        SortedMap<String, byte[]> runtime = new TreeMap<>();
        // The launcher names a driver only in a string constant, as Class.forName would.
        runtime.put(R + "launch/Main.class", type(R + "launch/Main", null, "ldc:dev.appl.runtime.io.Udp"));
        runtime.put(R + "io/Udp.class", type(R + "io/Udp", null, null));
        runtime.put(R + "io/Tcp.class", type(R + "io/Tcp", null, null));
        // The launcher names every driver; only those for the appliance's kinds of port are kept.
        runtime.put(R + "launch/Live.class", type(R + "launch/Live", null, "call:(L" + R + "io/UdpDriver;L" + R
                + "io/TcpDriver;)V"));
        runtime.put(R + "io/UdpDriver.class", driver(R + "io/UdpDriver", "datagram", R + "io/UdpHelper"));
        runtime.put(R + "io/UdpHelper.class", type(R + "io/UdpHelper", null, null));
        runtime.put(R + "io/TcpDriver.class", driver(R + "io/TcpDriver", "stream", R + "io/TcpHelper"));
        runtime.put(R + "io/TcpHelper.class", type(R + "io/TcpHelper", null, null));
        runtime.put(R + "io/drivers.txt", new byte[] {1});
        // The kernel names a store in a method descriptor; the store extends a base class.
        runtime.put(R + "store/Log.class", type(R + "store/Log", R + "store/Base", null));
        runtime.put(R + "store/Base.class", type(R + "store/Base", null, null));
        runtime.put(R + "store/Blocks.class", type(R + "store/Blocks", null, null));
        runtime.put(R + "nbd/readme.txt", new byte[] {2});
        byte[] kernel = type("dev/appl/gen/K", null, "call:(L" + R + "store/Log;L" + R + "launch/Live;)V");

        SortedMap<String, byte[]> reached = RuntimeReach.of(List.of(kernel), R + "launch/Main.class", runtime,
                Set.of("datagram"));

        assertEquals(List.of(R + "io/Udp.class", R + "io/UdpDriver.class", R + "io/UdpHelper.class", R + "io/drivers.txt",
                R + "launch/Live.class", R + "launch/Main.class", R + "store/Base.class", R + "store/Log.class"),
                List.copyOf(reached.keySet()));
    }

    @Test
    void aLauncherTheRuntimeDoesNotHaveIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> RuntimeReach.of(List.of(), R + "launch/Main.class", new TreeMap<>(), Set.of()));
    }

    /** A driver for ports of {@code kind} ({@code PORT_KIND}) whose one method names {@code uses}. */
    private static byte[] driver(String name, String kind, String uses) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V21, Opcodes.ACC_PUBLIC, name, null, "java/lang/Object", null);
        cw.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC | Opcodes.ACC_FINAL, "PORT_KIND", "Ljava/lang/String;", null,
                kind).visitEnd();
        MethodVisitor m = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "use", "()V", null, null);
        m.visitCode();
        m.visitInsn(Opcodes.ACONST_NULL);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, uses, "take", "(Ljava/lang/Object;)V", false);
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** A class {@code name} extending {@code superName} (or Object) whose one method loads a string or calls a method. */
    private static byte[] type(String name, String superName, String use) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V21, Opcodes.ACC_PUBLIC, name, null, superName == null ? "java/lang/Object" : superName, null);
        MethodVisitor m = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "use", "()V", null, null);
        m.visitCode();
        if (use != null && use.startsWith("ldc:")) {
            m.visitLdcInsn(use.substring(4));
            m.visitInsn(Opcodes.POP);
        } else if (use != null && use.startsWith("call:")) {
            m.visitInsn(Opcodes.ACONST_NULL);
            m.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/appl/gen/Helper", "take", use.substring(5), false);
        }
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }
}
