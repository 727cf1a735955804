package dev.appl.compiler.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
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
        runtime.put(R + "io/drivers.txt", new byte[] {1});
        // The kernel names a store in a method descriptor; the store extends a base class.
        runtime.put(R + "store/Log.class", type(R + "store/Log", R + "store/Base", null));
        runtime.put(R + "store/Base.class", type(R + "store/Base", null, null));
        runtime.put(R + "store/Blocks.class", type(R + "store/Blocks", null, null));
        runtime.put(R + "nbd/readme.txt", new byte[] {2});
        byte[] kernel = type("dev/appl/gen/K", null, "call:(L" + R + "store/Log;)V");

        SortedMap<String, byte[]> reached = RuntimeReach.of(List.of(kernel), R + "launch/Main.class", runtime);

        assertEquals(List.of(R + "io/Udp.class", R + "io/drivers.txt", R + "launch/Main.class", R + "store/Base.class",
                R + "store/Log.class"), List.copyOf(reached.keySet()));
    }

    @Test
    void aLauncherTheRuntimeDoesNotHaveIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> RuntimeReach.of(List.of(), R + "launch/Main.class", new TreeMap<>()));
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
