package dev.appl.compiler.codegen;

import static org.objectweb.asm.Opcodes.AALOAD;
import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.ASM9;
import static org.objectweb.asm.Opcodes.ASTORE;
import static org.objectweb.asm.Opcodes.GOTO;
import static org.objectweb.asm.Opcodes.IASTORE;
import static org.objectweb.asm.Opcodes.ICONST_0;
import static org.objectweb.asm.Opcodes.IF_ICMPGE;
import static org.objectweb.asm.Opcodes.ILOAD;
import static org.objectweb.asm.Opcodes.IRETURN;
import static org.objectweb.asm.Opcodes.ISTORE;
import static org.objectweb.asm.Opcodes.RETURN;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Turns a packet handler's method, as {@link MethodGen} writes it, into the method that runs the
 * handler on a batch of packets, {@code a$i(PacketView[] views, int n, int[] fates)}: the handler's
 * code inside a loop over the views, each of its returns storing the packet's fate and going on to
 * the next packet.
 *
 * <p>Why: a handler's method is far larger than HotSpot inlines (325 bytes of bytecode), so a
 * driver's loop calling {@code handle} pays a call per packet, and the JIT compiles the handler
 * without knowing it runs in a loop: the kernel's fields, the table's arrays and the segment's
 * checks are loaded again for every packet. With the loop in the same method they are loaded
 * once a batch (a forced inline of the firewall's handler into the loop gave 2 to 4 ns a packet,
 * docs/performance.md).
 *
 * <p>The handler's locals move up by {@link #SHIFT} slots to make room for the loop's own (the
 * views, their count, the fates, the index, a fate on its way to the array); {@code this} stays
 * in slot 0. The handler's code sets every local it uses at its start, so each packet starts
 * from the same state as a call would. Its try-catch ranges cover its own code only, not the
 * loop's.
 */
final class BatchLoop extends MethodVisitor {
    /** The batch method's own slots: the views, how many, the fates, the index, a fate. */
    private static final int VIEWS = 1;
    private static final int COUNT = 2;
    private static final int FATES = 3;
    private static final int INDEX = 4;
    private static final int FATE = 5;
    /** How far the handler's locals (all but {@code this}) move up. */
    static final int SHIFT = 5;
    /** The handler's view argument, where the loop puts each packet's view. */
    private static final int VIEW = 1 + SHIFT;

    private final Label next = new Label();
    private final Label top = new Label();
    private final Label done = new Label();
    private final Label end = new Label();

    BatchLoop(MethodVisitor mv) {
        super(ASM9, mv);
    }

    /** The descriptor of a batch method. */
    static String descriptor() {
        return "([L" + Codegen.VIEW + ";I[I)V";
    }

    @Override
    public void visitCode() {
        super.visitCode();
        super.visitInsn(ICONST_0);
        super.visitVarInsn(ISTORE, INDEX);
        super.visitLabel(top);
        super.visitVarInsn(ILOAD, INDEX);
        super.visitVarInsn(ILOAD, COUNT);
        super.visitJumpInsn(IF_ICMPGE, done);
        super.visitVarInsn(ALOAD, VIEWS);
        super.visitVarInsn(ILOAD, INDEX);
        super.visitInsn(AALOAD);
        super.visitVarInsn(ASTORE, VIEW);
    }

    @Override
    public void visitVarInsn(int opcode, int slot) {
        super.visitVarInsn(opcode, shifted(slot));
    }

    @Override
    public void visitIincInsn(int slot, int increment) {
        super.visitIincInsn(shifted(slot), increment);
    }

    @Override
    public void visitLocalVariable(String name, String descriptor, String signature, Label start, Label stop, int slot) {
        super.visitLocalVariable(name, descriptor, signature, start, stop, shifted(slot));
    }

    @Override
    public void visitInsn(int opcode) {
        if (opcode == IRETURN) {
            super.visitJumpInsn(GOTO, next); // the fate on the stack
            return;
        }
        super.visitInsn(opcode);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        super.visitLabel(next);
        super.visitVarInsn(ISTORE, FATE);
        super.visitVarInsn(ALOAD, FATES);
        super.visitVarInsn(ILOAD, INDEX);
        super.visitVarInsn(ILOAD, FATE);
        super.visitInsn(IASTORE);
        super.visitIincInsn(INDEX, 1);
        super.visitJumpInsn(GOTO, top);
        super.visitLabel(done);
        super.visitInsn(RETURN);
        super.visitLabel(end);
        super.visitMaxs(maxStack, maxLocals);
    }

    /** The method's size in bytes of bytecode, once written into a class writer. */
    int size() {
        return end.getOffset();
    }

    private static int shifted(int slot) {
        return slot == 0 ? 0 : slot + SHIFT;
    }
}
