package dev.appl.compiler.codegen;

import static dev.appl.compiler.codegen.Codegen.AGGREGATES;
import static dev.appl.compiler.codegen.Codegen.BITS;
import static dev.appl.compiler.codegen.Codegen.ENTRY_TABLE;
import static dev.appl.compiler.codegen.Codegen.HEADER_FORMAT;
import static dev.appl.compiler.codegen.Codegen.MALFORMED;
import static dev.appl.compiler.codegen.Codegen.PACKETS;
import static dev.appl.compiler.codegen.Codegen.SCRATCH;
import static dev.appl.compiler.codegen.Codegen.SEGMENT;
import static dev.appl.compiler.codegen.Codegen.VIEW;
import static org.objectweb.asm.Opcodes.AALOAD;
import static org.objectweb.asm.Opcodes.AASTORE;
import static org.objectweb.asm.Opcodes.ACONST_NULL;
import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.ANEWARRAY;
import static org.objectweb.asm.Opcodes.ARETURN;
import static org.objectweb.asm.Opcodes.ARRAYLENGTH;
import static org.objectweb.asm.Opcodes.ASTORE;
import static org.objectweb.asm.Opcodes.ATHROW;
import static org.objectweb.asm.Opcodes.BIPUSH;
import static org.objectweb.asm.Opcodes.CHECKCAST;
import static org.objectweb.asm.Opcodes.DUP;
import static org.objectweb.asm.Opcodes.GETFIELD;
import static org.objectweb.asm.Opcodes.GETSTATIC;
import static org.objectweb.asm.Opcodes.GOTO;
import static org.objectweb.asm.Opcodes.I2B;
import static org.objectweb.asm.Opcodes.I2L;
import static org.objectweb.asm.Opcodes.I2S;
import static org.objectweb.asm.Opcodes.IADD;
import static org.objectweb.asm.Opcodes.ICONST_0;
import static org.objectweb.asm.Opcodes.ICONST_M1;
import static org.objectweb.asm.Opcodes.IFEQ;
import static org.objectweb.asm.Opcodes.IFGE;
import static org.objectweb.asm.Opcodes.IFGT;
import static org.objectweb.asm.Opcodes.IFLE;
import static org.objectweb.asm.Opcodes.IFLT;
import static org.objectweb.asm.Opcodes.IFNE;
import static org.objectweb.asm.Opcodes.IFNONNULL;
import static org.objectweb.asm.Opcodes.IF_ICMPEQ;
import static org.objectweb.asm.Opcodes.ILOAD;
import static org.objectweb.asm.Opcodes.INVOKEINTERFACE;
import static org.objectweb.asm.Opcodes.INVOKESPECIAL;
import static org.objectweb.asm.Opcodes.INVOKESTATIC;
import static org.objectweb.asm.Opcodes.INVOKEVIRTUAL;
import static org.objectweb.asm.Opcodes.IRETURN;
import static org.objectweb.asm.Opcodes.ISTORE;
import static org.objectweb.asm.Opcodes.L2I;
import static org.objectweb.asm.Opcodes.LADD;
import static org.objectweb.asm.Opcodes.LALOAD;
import static org.objectweb.asm.Opcodes.LAND;
import static org.objectweb.asm.Opcodes.LASTORE;
import static org.objectweb.asm.Opcodes.LCMP;
import static org.objectweb.asm.Opcodes.LCONST_0;
import static org.objectweb.asm.Opcodes.LCONST_1;
import static org.objectweb.asm.Opcodes.LDIV;
import static org.objectweb.asm.Opcodes.LLOAD;
import static org.objectweb.asm.Opcodes.LMUL;
import static org.objectweb.asm.Opcodes.LNEG;
import static org.objectweb.asm.Opcodes.LOR;
import static org.objectweb.asm.Opcodes.LREM;
import static org.objectweb.asm.Opcodes.LSHL;
import static org.objectweb.asm.Opcodes.LSHR;
import static org.objectweb.asm.Opcodes.LSTORE;
import static org.objectweb.asm.Opcodes.LSUB;
import static org.objectweb.asm.Opcodes.LUSHR;
import static org.objectweb.asm.Opcodes.LXOR;
import static org.objectweb.asm.Opcodes.NEW;
import static org.objectweb.asm.Opcodes.NEWARRAY;
import static org.objectweb.asm.Opcodes.POP2;
import static org.objectweb.asm.Opcodes.POP;
import static org.objectweb.asm.Opcodes.PUTFIELD;
import static org.objectweb.asm.Opcodes.RETURN;
import static org.objectweb.asm.Opcodes.SIPUSH;
import static org.objectweb.asm.Opcodes.T_LONG;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.compiler.lower.Unsupported;
import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.language.types.Type;
import dev.appl.runtime.kernel.Kernel;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Generates one method: a handler, a timer handler, a function, one expression of a test, or the
 * size of a stream port's frames from its framing header ({@link Mode#FRAMING}).
 * Expressions leave their value on the operand stack in their {@link Repr}; statements leave the
 * stack empty. Each step follows what the interpreter does for the same node, in the same order,
 * including where the malformed path is taken.
 *
 * <p>The malformed path: a handler's body runs inside a handler for {@code MalformedPacket}, so
 * that checks inside expressions (where values may be on the stack) throw its shared instance,
 * while checks between statements jump to the handler's malformed exit.
 */
final class MethodGen {
    /**
     * {@code FRAMING}: a frame's size function, {@code (int port, MemorySegment buffer, long offset,
     * long length)int} over the framing header's bytes, with the packet slots of a handler; it
     * returns the {@code Kernel.frameLength} answer.
     */
    enum Mode { HANDLER, TIMER, FUNCTION, TEST, FRAMING }

    private static final String OF_BYTE = "Ljava/lang/foreign/ValueLayout$OfByte;";

    private final Codegen cg;
    private final Shapes shapes;
    private final MethodVisitor mv;
    private final Mode mode;
    private final IrFunction fn;
    private final int[] slots;
    /**
     * The JVM slots of each part of a scalar-replaced local ({@link Shapes#exploded}), by IR slot;
     * null for the others, and for every local of a test expression.
     */
    private final int[][] partSlots;
    private int next;

    // Handler-only slots: the view, and the packet's buffer, start and length.
    private static final int VIEW_SLOT = 1;
    private static final int SEG_SLOT = 2;
    private static final int BASE_SLOT = 3;
    private static final int LEN_SLOT = 5;
    /** Test expressions: the test's locals. */
    private static final int LOCALS_SLOT = 1;

    private final Label malformed = new Label();
    private final Deque<Label[]> loops = new ArrayDeque<>();
    private final Deque<Label> scopes = new ArrayDeque<>();
    /** Whether stored bytes values must be copied: the handler changes the packet they may view. */
    private final boolean copyStoredBytes;
    /**
     * Assignments of bytes whose local is read only before the handler next changes its packet
     * (the parameters of an expanded function, above all): they keep a view, not a copy.
     */
    private final java.util.Set<IrStmt> viewsSafe = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** The locals those assignments write: they may hold a view of the packet, not a copy. */
    private final java.util.Set<IrLocal> viewLocals = new java.util.HashSet<>();
    /** The handler's statements that are called out to methods of their own; null: none. */
    private final Outliner.Plan outline;
    /** The piece this method is made of; null for a handler, function or the like. */
    private final Outliner.Piece piece;
    /** Measuring ({@link Outliner}): labels before and after each statement, and after the code. */
    private java.util.Map<IrStmt, Label[]> probes;
    private Label codeEnd;
    /** In {@code <clinit>}, building a constant: nested constants are built in place, not hoisted. */
    private boolean building;

    /** A handler's fate when it ends without one: a message was handled, a packet is dropped. */
    private final int endFate;

    MethodGen(Codegen cg, MethodVisitor mv, Mode mode, IrFunction fn) {
        this(cg, mv, mode, fn, null, null);
    }

    /**
     * A handler's method with the pieces of {@code outline} called out of it ({@link Outliner}),
     * or, when {@code piece} is given, the method of that piece.
     */
    MethodGen(Codegen cg, MethodVisitor mv, Mode mode, IrFunction fn, Outliner.Plan outline, Outliner.Piece piece) {
        this.outline = outline;
        this.piece = piece;
        this.cg = cg;
        this.shapes = cg.shapes;
        this.mv = mv;
        this.mode = mode;
        this.fn = fn;
        this.endFate = cg.ir.handlers.stream().anyMatch(h -> h.function() == fn && h.answersMessages())
                ? Kernel.HANDLED : Kernel.DROP;
        this.slots = new int[fn.locals().size()];
        this.partSlots = new int[fn.locals().size()][];
        this.next = switch (mode) {
            case HANDLER, FRAMING -> 7;
            case TIMER, FUNCTION -> 1;
            case TEST -> 2;
        };
        // A blocks read is a view of the store's mapping, so a handler that also writes a blocks
        // store copies what it keeps, as it does for views of a packet it changes.
        this.copyStoredBytes = (mode == Mode.HANDLER && Codegen.anyStatement(fn.body(),
                s -> s instanceof IrStmt.Store || s instanceof IrStmt.Insert || s instanceof IrStmt.Remove))
                || ((mode == Mode.HANDLER || mode == Mode.TIMER) && writesBlocks(cg.ir, fn.body()));
        if (copyStoredBytes) {
            findSafeViews(fn.body());
        }
        if (piece != null) {
            // After the handler's own arguments, the locals passed in, then its own.
            java.util.Arrays.fill(slots, -1);
            piece.in.forEach(this::assignSlots);
            piece.own.forEach(this::assignSlots);
        } else if (mode != Mode.TEST) {
            java.util.Arrays.fill(slots, -1);
            // Params first, in the order of the descriptor: each part of a scalar-replaced one in turn.
            for (IrLocal p : fn.params()) {
                assignSlots(p);
            }
            for (IrLocal l : fn.locals()) {
                if (slots[l.slot()] < 0 && partSlots[l.slot()] == null) {
                    assignSlots(l);
                }
            }
        }
    }

    private void assignSlots(IrLocal l) {
        if (shapes.exploded(l.type())) {
            Repr[] parts = shapes.partReprs(l.type());
            int[] own = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                own[i] = next;
                next += parts[i].slots();
            }
            partSlots[l.slot()] = own;
        } else {
            slots[l.slot()] = next;
            next += repr(l.type()).slots();
        }
    }

    private Repr repr(Type t) {
        return shapes.repr(t);
    }

    private boolean isExploded(IrLocal l) {
        return mode != Mode.TEST && partSlots[l.slot()] != null;
    }

    // ---- Method bodies --------------------------------------------------------------------------

    /** Marks each statement's code, and the end of the method's, with labels, for measuring. */
    void probe(java.util.Map<IrStmt, Label[]> probes, Label codeEnd) {
        this.probes = probes;
        this.codeEnd = codeEnd;
    }

    void body() {
        if (piece != null) {
            pieceBody();
            return;
        }
        mv.visitCode();
        Label start = new Label();
        Label end = new Label();
        Label caught = new Label();
        boolean guarded = mode == Mode.HANDLER || mode == Mode.TIMER || mode == Mode.FRAMING;
        if (guarded) {
            mv.visitTryCatchBlock(start, end, caught, MALFORMED);
        }
        if (mode == Mode.HANDLER) {
            mv.visitVarInsn(ALOAD, VIEW_SLOT);
            mv.visitFieldInsn(GETFIELD, VIEW, "segment", "L" + SEGMENT + ";");
            mv.visitVarInsn(ASTORE, SEG_SLOT);
            reloadPacket();
        }
        // Every local starts as 0 or null, so that each JVM slot has one type on every path.
        for (IrLocal l : fn.locals()) {
            if (fn.params().contains(l)) {
                continue;
            }
            if (isExploded(l)) {
                Repr[] parts = shapes.partReprs(l.type());
                for (int i = 0; i < parts.length; i++) {
                    zero(parts[i]);
                    mv.visitVarInsn(parts[i].storeOpcode(), partSlots[l.slot()][i]);
                }
                continue;
            }
            Repr r = repr(l.type());
            if (r != Repr.VOID) {
                zero(r);
                mv.visitVarInsn(r.storeOpcode(), slots[l.slot()]);
            }
        }
        mv.visitLabel(start);
        block(fn.body());
        endOfBody();
        mv.visitLabel(end);
        if (guarded) {
            malformedExits(caught);
        }
        finish();
    }

    /**
     * The method of an outlined statement: the statement, then back to the handler with the
     * locals it wrote; a break, continue or leave out of it returns its code ({@link Outliner}).
     */
    private void pieceBody() {
        mv.visitCode();
        Label start = new Label();
        Label end = new Label();
        Label caught = new Label();
        mv.visitTryCatchBlock(start, end, caught, MALFORMED);
        for (IrLocal l : piece.own) {
            zeroLocal(l);
        }
        Label broke = new Label();
        Label continued = new Label();
        Label left = new Label();
        boolean exitsLoop = piece.loopOutside && (piece.breaks || piece.continues);
        boolean exitsScope = piece.scopeOutside && piece.leaves;
        if (exitsLoop) {
            loops.push(new Label[] {broke, continued});
        }
        if (exitsScope) {
            scopes.push(left);
        }
        mv.visitLabel(start);
        stmtOf(piece.statement);
        returnFromPiece(Outliner.FALL_THROUGH);
        if (exitsLoop && piece.breaks) {
            mv.visitLabel(broke);
            returnFromPiece(Outliner.BREAK);
        }
        if (exitsLoop && piece.continues) {
            mv.visitLabel(continued);
            returnFromPiece(Outliner.CONTINUE);
        }
        if (exitsScope) {
            mv.visitLabel(left);
            returnFromPiece(Outliner.LEAVE);
        }
        mv.visitLabel(end);
        malformedExits(caught);
        finish();
    }

    /** The malformed path: a failed check jumps to {@code malformed}, a caught exception to {@code caught}. */
    private void malformedExits(Label caught) {
        mv.visitLabel(malformed);
        exitMalformed();
        mv.visitLabel(caught);
        mv.visitInsn(POP);
        exitMalformed();
    }

    /** Ends the method's code. */
    private void finish() {
        if (codeEnd != null) {
            mv.visitLabel(codeEnd);
        }
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Writes the piece's shared locals it assigns to their fields and returns {@code code}. */
    private void returnFromPiece(int code) {
        for (IrLocal l : piece.out) {
            Repr[] reprs = Outliner.reprs(shapes, l);
            for (int i = 0; i < reprs.length; i++) {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitVarInsn(reprs[i].loadOpcode(), jvmSlot(l, i));
                mv.visitFieldInsn(PUTFIELD, cg.owner, cg.pieceField(piece.field(l, i), reprs[i]), reprs[i].descriptor);
            }
        }
        pushInt(code);
        mv.visitInsn(IRETURN);
    }

    /**
     * Calls the method of outlined statement {@code p} and goes on as the statement would have:
     * reads back the locals it wrote, then falls through, breaks, continues or leaves, or
     * returns its fate.
     */
    private void callPiece(Outliner.Piece p) {
        outline.calledAt(p, !loops.isEmpty(), !scopes.isEmpty());
        mv.visitVarInsn(ALOAD, 0);
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitVarInsn(ALOAD, SEG_SLOT);
        mv.visitVarInsn(LLOAD, BASE_SLOT);
        mv.visitVarInsn(LLOAD, LEN_SLOT);
        for (IrLocal l : p.in) {
            Repr[] reprs = Outliner.reprs(shapes, l);
            for (int i = 0; i < reprs.length; i++) {
                mv.visitVarInsn(reprs[i].loadOpcode(), jvmSlot(l, i));
            }
        }
        mv.visitMethodInsn(INVOKESPECIAL, cg.owner, p.name, p.descriptor(shapes), false);
        reloadPacket(); // it may have pushed or popped headers
        for (IrLocal l : p.out) {
            Repr[] reprs = Outliner.reprs(shapes, l);
            for (int i = 0; i < reprs.length; i++) {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, cg.pieceField(p.field(l, i), reprs[i]), reprs[i].descriptor);
                mv.visitVarInsn(reprs[i].storeOpcode(), jvmSlot(l, i));
            }
        }
        Label goesOn = new Label();
        mv.visitInsn(DUP);
        pushInt(Outliner.FALL_THROUGH);
        mv.visitJumpInsn(IF_ICMPEQ, goesOn);
        java.util.List<Label> exits = new java.util.ArrayList<>();
        java.util.List<Label> targets = new java.util.ArrayList<>();
        if (p.loopOutside && p.breaks) {
            exitTo(Outliner.BREAK, loops.peek()[0], exits, targets);
        }
        if (p.loopOutside && p.continues) {
            exitTo(Outliner.CONTINUE, loops.peek()[1], exits, targets);
        }
        if (p.scopeOutside && p.leaves) {
            exitTo(Outliner.LEAVE, scopes.peek(), exits, targets);
        }
        mv.visitInsn(IRETURN); // a fate (from a piece: returned on to the handler)
        for (int i = 0; i < exits.size(); i++) {
            mv.visitLabel(exits.get(i));
            mv.visitInsn(POP);
            mv.visitJumpInsn(GOTO, targets.get(i));
        }
        mv.visitLabel(goesOn);
        mv.visitInsn(POP);
    }

    private void exitTo(int code, Label target, java.util.List<Label> exits, java.util.List<Label> targets) {
        Label exit = new Label();
        mv.visitInsn(DUP);
        pushInt(code);
        mv.visitJumpInsn(IF_ICMPEQ, exit);
        exits.add(exit);
        targets.add(target);
    }

    /** The JVM slot of part {@code part} of {@code l} (part 0 of a local held whole). */
    private int jvmSlot(IrLocal l, int part) {
        return isExploded(l) ? partSlots[l.slot()][part] : slots[l.slot()];
    }

    private void zeroLocal(IrLocal l) {
        Repr[] reprs = Outliner.reprs(shapes, l);
        for (int i = 0; i < reprs.length; i++) {
            zero(reprs[i]);
            mv.visitVarInsn(reprs[i].storeOpcode(), jvmSlot(l, i));
        }
    }

    /**
     * What running off the end of the body does: a packet handler drops, a message handler has
     * handled its message; a function returns nothing.
     */
    private void endOfBody() {
        switch (mode) {
            case HANDLER -> {
                pushInt(endFate);
                mv.visitInsn(IRETURN);
            }
            case TIMER -> mv.visitInsn(RETURN);
            case FRAMING -> {
                pushInt(Kernel.MALFORMED); // a size function ends in its return; this is never reached
                mv.visitInsn(IRETURN);
            }
            case FUNCTION -> {
                if (shapes.exploded(fn.result())) {
                    Repr[] parts = shapes.partReprs(fn.result());
                    for (int i = 0; i < parts.length; i++) {
                        mv.visitVarInsn(ALOAD, 0);
                        zero(parts[i]);
                        mv.visitFieldInsn(PUTFIELD, cg.owner, cg.resultField(fn, i), parts[i].descriptor);
                    }
                    mv.visitInsn(RETURN);
                    return;
                }
                Repr r = repr(fn.result());
                zero(r);
                mv.visitInsn(r.returnOpcode());
            }
            case TEST -> {
                mv.visitInsn(ACONST_NULL);
                mv.visitInsn(ARETURN);
            }
        }
    }

    private void exitMalformed() {
        if (mode == Mode.HANDLER || mode == Mode.FRAMING) {
            pushInt(Kernel.MALFORMED);
            mv.visitInsn(IRETURN);
        } else {
            mv.visitInsn(RETURN);
        }
    }

    void testExpression(IrExpr e, boolean asPacket) {
        mv.visitCode();
        if (asPacket) {
            packetBytes(e);
        } else {
            expr(e);
            box(repr(e.type()));
        }
        mv.visitInsn(ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** A packet part as bytes, in a segment of its own (tests). */
    private void packetBytes(IrExpr e) {
        if (e.type() instanceof Type.Header h) {
            mv.visitFieldInsn(GETSTATIC, cg.owner, cg.headerFormat(h), "L" + HEADER_FORMAT + ";");
            expr(e);
            mv.visitMethodInsn(INVOKEVIRTUAL, HEADER_FORMAT, "toBytes", "(Ljava/lang/Object;)L" + SEGMENT + ";", false);
        } else {
            expr(e);
        }
    }

    private void reloadPacket() {
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitFieldInsn(GETFIELD, VIEW, "offset", "J");
        mv.visitVarInsn(LSTORE, BASE_SLOT);
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitFieldInsn(GETFIELD, VIEW, "length", "I");
        mv.visitInsn(I2L);
        mv.visitVarInsn(LSTORE, LEN_SLOT);
    }

    private int newLocal(Repr r) {
        int slot = next;
        next += Math.max(1, r.slots());
        return slot;
    }

    private void requirePacket(String what) {
        if (mode != Mode.HANDLER && mode != Mode.FRAMING) {
            throw new Unsupported(null, what + " outside a packet handler");
        }
    }

    // ---- Malformed ------------------------------------------------------------------------------

    /**
     * Takes the malformed path when the int comparison {@code failWhen} (IFLT ...) holds for the
     * value on the stack. Between statements of a handler a jump; inside expressions a throw.
     */
    private void malformedIf(int failWhen, boolean stackEmpty) {
        if (stackEmpty && (mode == Mode.HANDLER || mode == Mode.TIMER || mode == Mode.FRAMING)) {
            mv.visitJumpInsn(failWhen, malformed);
            return;
        }
        Label ok = new Label();
        mv.visitJumpInsn(negate(failWhen), ok);
        throwMalformed();
        mv.visitLabel(ok);
    }

    private void throwMalformed() {
        mv.visitFieldInsn(GETSTATIC, MALFORMED, "INSTANCE", "L" + MALFORMED + ";");
        mv.visitInsn(ATHROW);
    }

    private static int negate(int jump) {
        return switch (jump) {
            case IFEQ -> IFNE;
            case IFNE -> IFEQ;
            case IFLT -> IFGE;
            case IFGE -> IFLT;
            case IFGT -> IFLE;
            case IFLE -> IFGT;
            default -> throw new IllegalArgumentException("jump " + jump);
        };
    }

    /**
     * Malformed unless {@code 0 <= offset} and {@code offset + extra <= length} of the packet,
     * where offset is the long in local {@code slot}: the interpreter's checks of a header offset
     * (-1 when not valid) and of a read's end.
     */
    private void checkPacketRange(int slot, long extra, boolean stackEmpty) {
        mv.visitVarInsn(LLOAD, slot);
        mv.visitVarInsn(LLOAD, LEN_SLOT);
        mv.visitVarInsn(LLOAD, slot);
        pushLong(extra);
        mv.visitInsn(LADD);
        mv.visitInsn(LSUB);
        mv.visitInsn(LOR);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        malformedIf(IFLT, stackEmpty);
    }

    /** Malformed if the offset local is negative (the header is not valid). */
    private void checkOffset(int slot, boolean stackEmpty) {
        mv.visitVarInsn(LLOAD, slot);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        malformedIf(IFLT, stackEmpty);
    }

    // ---- Statements -----------------------------------------------------------------------------

    private void block(IrStmt.Block b) {
        for (IrStmt s : b.statements()) {
            stmt(s);
        }
    }

    /**
     * The JVM locals a statement takes for its temporaries are free again after it: the next
     * statement reuses them, which keeps large handlers within what the JVM (and ASM's frame
     * computation) handle. Temporaries never outlive their statement.
     */
    private void stmt(IrStmt s) {
        Outliner.Piece p = outline == null ? null : outline.piece(s);
        Label before = null;
        if (probes != null) {
            before = new Label();
            mv.visitLabel(before);
        }
        if (p != null) {
            int mark = next;
            callPiece(p);
            next = mark;
        } else {
            stmtOf(s);
        }
        if (probes != null) {
            Label after = new Label();
            mv.visitLabel(after);
            probes.put(s, new Label[] {before, after});
        }
    }

    private void stmtOf(IrStmt s) {
        int mark = next;
        statement(s);
        next = mark;
    }

    private void statement(IrStmt s) {
        switch (s) {
            case IrStmt.Assign a when isExploded(a.target()) -> assignParts(a);
            case IrStmt.Assign a -> {
                Repr r = repr(a.target().type());
                expr(a.value());
                adapt(repr(a.value().type()), r);
                if (copyStoredBytes && shapes.containsBytes(a.target().type())
                        && (r != Repr.SEG || mayViewPacket(a.value(), 0) && !viewsSafe.contains(a))) {
                    copyBytes(r);
                }
                storeLocal(a.target(), r);
            }
            case IrStmt.AssignPart a when isExploded(a.target()) && a.path().size() == 1
                    && a.path().getFirst() instanceof IrExpr.Const c && c.value() instanceof Long -> assignOnePart(a);
            case IrStmt.AssignPart a -> assignPart(a);
            case IrStmt.Store st -> store(st);
            case IrStmt.If i -> {
                Label orElse = new Label();
                Label end = new Label();
                jump(i.condition(), false, orElse);
                block(i.then());
                mv.visitJumpInsn(GOTO, end);
                mv.visitLabel(orElse);
                block(i.orElse());
                mv.visitLabel(end);
            }
            case IrStmt.Switch sw -> switchStmt(sw);
            case IrStmt.Loop l -> loop(l);
            case IrStmt.Break b -> {
                if (loops.isEmpty()) {
                    leaveFunction();
                } else {
                    mv.visitJumpInsn(GOTO, loops.peek()[0]);
                }
            }
            case IrStmt.Continue c -> {
                if (loops.isEmpty()) {
                    leaveFunction();
                } else {
                    mv.visitJumpInsn(GOTO, loops.peek()[1]);
                }
            }
            case IrStmt.Return r -> returnStmt(r);
            case IrStmt.Scoped sc -> {
                Label end = new Label();
                scopes.push(end);
                block(sc.body());
                scopes.pop();
                mv.visitLabel(end);
            }
            case IrStmt.Leave l -> {
                if (scopes.isEmpty()) {
                    leaveFunction();
                } else {
                    mv.visitJumpInsn(GOTO, scopes.peek());
                }
            }
            case IrStmt.Fate f -> fate(f);
            case IrStmt.Require r -> {
                requirePacket("a length check");
                int end = newLocal(Repr.LONG);
                expr(r.end());
                mv.visitVarInsn(LSTORE, end);
                // end < 0 or end > length: (end | (length - end)) < 0
                mv.visitVarInsn(LLOAD, end);
                mv.visitVarInsn(LLOAD, LEN_SLOT);
                mv.visitVarInsn(LLOAD, end);
                mv.visitInsn(LSUB);
                mv.visitInsn(LOR);
                mv.visitInsn(LCONST_0);
                mv.visitInsn(LCMP);
                malformedIf(IFLT, true);
            }
            case IrStmt.ConnectionSet c -> {
                int value = newLocal(Repr.LONG);
                expr(c.value());
                adapt(repr(c.value().type()), Repr.LONG);
                mv.visitVarInsn(LSTORE, value);
                connectionSlot(c.slot());
                mv.visitVarInsn(LLOAD, value);
                mv.visitInsn(LASTORE);
            }
            case IrStmt.CounterAdd c -> {
                int delta = newLocal(Repr.LONG);
                expr(c.delta());
                mv.visitVarInsn(LSTORE, delta);
                mv.visitVarInsn(ALOAD, 0);
                mv.visitInsn(DUP);
                mv.visitFieldInsn(GETFIELD, cg.owner, "c$" + c.counter(), "J");
                mv.visitVarInsn(LLOAD, delta);
                mv.visitInsn(LADD);
                mv.visitFieldInsn(PUTFIELD, cg.owner, "c$" + c.counter(), "J");
            }
            case IrStmt.Eval e when shapes.exploded(e.expr().type()) -> parts(e.expr());
            case IrStmt.Eval e -> {
                expr(e.expr());
                pop(repr(e.expr().type()));
            }
            case IrStmt.MapGet g -> mapGet(g);
            case IrStmt.StoreGet g -> storeGet(g);
            case IrStmt.Apply a -> apply(a);
            case IrStmt.Insert ins -> insert(ins);
            case IrStmt.Remove rm -> remove(rm);
        }
    }

    /** A break, continue or leave with nowhere to go ends the function, as in the interpreter. */
    private void leaveFunction() {
        endOfBody();
    }

    private void returnStmt(IrStmt.Return r) {
        switch (mode) {
            case FUNCTION -> {
                if (shapes.exploded(fn.result()) && r.value() != null) {
                    int[] parts = parts(r.value());
                    Repr[] reprs = shapes.partReprs(fn.result());
                    for (int i = 0; i < parts.length; i++) {
                        mv.visitVarInsn(ALOAD, 0);
                        mv.visitVarInsn(reprs[i].loadOpcode(), parts[i]);
                        mv.visitFieldInsn(PUTFIELD, cg.owner, cg.resultField(fn, i), reprs[i].descriptor);
                    }
                    mv.visitInsn(RETURN);
                    return;
                }
                if (shapes.exploded(fn.result())) {
                    endOfBody();
                    return;
                }
                Repr result = repr(fn.result());
                if (r.value() != null) {
                    expr(r.value());
                    adapt(repr(r.value().type()), result);
                } else if (result == Repr.LONG) {
                    mv.visitInsn(LCONST_0);
                } else if (result != Repr.VOID) {
                    mv.visitInsn(ACONST_NULL);
                }
                mv.visitInsn(result.returnOpcode());
            }
            case HANDLER, TIMER -> {
                // A handler's return ends it without a fate, as running off its end does.
                if (r.value() != null) {
                    expr(r.value());
                    pop(repr(r.value().type()));
                }
                endOfBody();
            }
            case FRAMING -> {
                // The size, checked against the header's length and the port's max as the interpreter checks it.
                IrAppliance.Framing framing = cg.ir.ports.stream().flatMap(p -> p.framings().stream())
                        .filter(f -> f.size() == fn).findFirst().orElseThrow();
                expr(r.value());
                adapt(repr(r.value().type()), Repr.LONG);
                if (framing.scanned()) {
                    pushLong(framing.maxBytes());
                    mv.visitMethodInsn(INVOKESTATIC, Codegen.FRAMING, "scanned", "(JJ)I", false);
                    mv.visitInsn(IRETURN);
                    return;
                }
                pushInt(dev.appl.compiler.ir.Arithmetic.signed(fn.result()) ? 1 : 0);
                pushInt(framing.headerBytes());
                pushLong(framing.maxBytes());
                mv.visitMethodInsn(INVOKESTATIC, Codegen.FRAMING, "sized", "(JZIJ)I", false);
                mv.visitInsn(IRETURN);
            }
            case TEST -> throw new Unsupported(null, "a return in a test");
        }
    }

    /**
     * Pushes the handler's connection state and the index of {@code slot} in it: the view's
     * {@code connection} at {@code connectionBase + slot} (the kernel's dispatch has set both).
     */
    private void connectionSlot(int slot) {
        if (mode != Mode.HANDLER) {
            throw new Unsupported(null, "a connection's state outside a stream port's handler");
        }
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitFieldInsn(GETFIELD, VIEW, "connection", "[J");
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitFieldInsn(GETFIELD, VIEW, "connectionBase", "I");
        pushInt(slot);
        mv.visitInsn(IADD);
    }

    private void fate(IrStmt.Fate f) {
        if (mode == Mode.TIMER) {
            if (f.kind() == IrStmt.Fate.Kind.MALFORMED) {
                mv.visitJumpInsn(GOTO, malformed);
            } else {
                mv.visitInsn(RETURN);
            }
            return;
        }
        requirePacket("`" + f.kind().name().toLowerCase() + "`");
        switch (f.kind()) {
            case FORWARD -> {
                pushInt(f.port());
                mv.visitInsn(IRETURN);
            }
            case DROP -> {
                pushInt(Kernel.DROP);
                mv.visitInsn(IRETURN);
            }
            case MALFORMED -> mv.visitJumpInsn(GOTO, malformed);
            case REPLY -> {
                if (f.payload() != null) {
                    scratch();
                    mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "reset", "()L" + SCRATCH + ";", false);
                    mv.visitInsn(POP);
                    appendBytes(f.payload());
                    mv.visitVarInsn(ALOAD, VIEW_SLOT);
                    scratch();
                    mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "segment", "()L" + SEGMENT + ";", false);
                    scratch();
                    mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "size", "()I", false);
                    mv.visitInsn(I2L);
                    mv.visitMethodInsn(INVOKESTATIC, PACKETS, "replace", "(L" + VIEW + ";L" + SEGMENT + ";J)I", false);
                    returnIfFailed();
                }
                pushInt(Kernel.REPLY);
                mv.visitInsn(IRETURN);
            }
        }
    }

    /** After a Packets call: the int on the stack is 0, or the fate to return. */
    private void returnIfFailed() {
        Label ok = new Label();
        mv.visitInsn(DUP);
        mv.visitJumpInsn(IFEQ, ok);
        mv.visitInsn(IRETURN);
        mv.visitLabel(ok);
        mv.visitInsn(POP);
    }

    private void scratch() {
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, cg.owner, "scratch", "L" + SCRATCH + ";");
    }

    /** Appends the bytes of a packet part (a header value, bytes, or a stack of them) to the kernel's scratch. */
    private void appendBytes(IrExpr e) {
        if (e instanceof IrExpr.Stack s) {
            for (IrExpr part : s.parts()) {
                appendBytes(part);
            }
            return;
        }
        if (e.type() instanceof Type.Header h && shapes.exploded(h)) {
            // Field by field into the scratch buffer.
            int[] parts = parts(e);
            dev.appl.language.types.HeaderLayout layout = shapes.layout(h);
            int address = newLocal(Repr.LONG);
            scratch();
            pushLong(layout.fixedBytes());
            mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "extend", "(J)I", false);
            mv.visitInsn(I2L);
            mv.visitVarInsn(LSTORE, address);
            int segment = newLocal(Repr.SEG);
            scratch();
            mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "segment", "()L" + SEGMENT + ";", false);
            mv.visitVarInsn(ASTORE, segment);
            writeHeader(segment, address, h, parts);
            int trailing = trailingField(layout);
            if (trailing >= 0) {
                scratch();
                mv.visitVarInsn(ALOAD, parts[trailing]);
                mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "append", "(L" + SEGMENT + ";)V", false);
            }
            return;
        }
        if (e.type() instanceof Type.Header h) {
            mv.visitFieldInsn(GETSTATIC, cg.owner, cg.headerFormat(h), "L" + HEADER_FORMAT + ";");
            expr(e);
            scratch();
            mv.visitMethodInsn(INVOKEVIRTUAL, HEADER_FORMAT, "append", "(Ljava/lang/Object;L" + SCRATCH + ";)V", false);
            return;
        }
        if (repr(e.type()) != Repr.SEG) {
            throw new Unsupported(null, "a packet part of type `" + e.type().display() + "`");
        }
        scratch();
        expr(e);
        mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "append", "(L" + SEGMENT + ";)V", false);
    }

    private void switchStmt(IrStmt.Switch sw) {
        requireLong(sw.subject(), "a match");
        int subject = newLocal(Repr.LONG);
        expr(sw.subject());
        mv.visitVarInsn(LSTORE, subject);
        Label end = new Label();
        Label[] bodies = new Label[sw.cases().size()];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = new Label();
        }
        if (!jumpTable(sw, subject, bodies)) {
            for (int i = 0; i < bodies.length; i++) {
                for (IrPattern p : sw.cases().get(i).patterns()) {
                    Label nextPattern = new Label();
                    pattern(p, subject, nextPattern);
                    mv.visitJumpInsn(GOTO, bodies[i]);
                    mv.visitLabel(nextPattern);
                }
            }
        }
        block(sw.otherwise());
        mv.visitJumpInsn(GOTO, end);
        for (int i = 0; i < bodies.length; i++) {
            mv.visitLabel(bodies[i]);
            block(sw.cases().get(i).body());
            mv.visitJumpInsn(GOTO, end);
        }
        mv.visitLabel(end);
    }

    /**
     * A switch whose patterns are all single values of a subject narrower than 32 bits, unsigned,
     * becomes a {@code tableswitch} or {@code lookupswitch} on the value as an int (the first case
     * of a value wins, as in the chain of compares). Falls through to the otherwise block; returns
     * false, emitting nothing, when the switch does not qualify.
     */
    private boolean jumpTable(IrStmt.Switch sw, int subject, Label[] bodies) {
        Type t = sw.subject().type();
        boolean narrow = t instanceof Type.Bool || (t instanceof Type.Int(int width, boolean signed) && !signed
                && width <= 31) || (t instanceof Type.Enum && t.bits() > 0 && t.bits() <= 31);
        java.util.TreeMap<Integer, Label> keys = new java.util.TreeMap<>();
        int patterns = 0;
        for (int i = 0; i < bodies.length; i++) {
            for (IrPattern p : sw.cases().get(i).patterns()) {
                if (!(p instanceof IrPattern.Exact x)) {
                    return false;
                }
                patterns++;
                if (x.value() >= 0 && x.value() <= Integer.MAX_VALUE) {
                    keys.putIfAbsent((int) x.value(), bodies[i]);
                }
            }
        }
        if (!narrow || patterns < 3) {
            return false;
        }
        Label otherwise = new Label();
        mv.visitVarInsn(LLOAD, subject);
        mv.visitInsn(L2I);
        if (keys.isEmpty()) {
            mv.visitInsn(POP);
        } else {
            int low = keys.firstKey();
            int high = keys.lastKey();
            if ((long) high - low + 1 <= 2L * keys.size() + 8) {
                Label[] table = new Label[high - low + 1];
                java.util.Arrays.fill(table, otherwise);
                keys.forEach((k, label) -> table[k - low] = label);
                mv.visitTableSwitchInsn(low, high, otherwise, table);
            } else {
                int[] values = keys.keySet().stream().mapToInt(Integer::intValue).toArray();
                mv.visitLookupSwitchInsn(otherwise, values, keys.values().toArray(new Label[0]));
            }
        }
        mv.visitLabel(otherwise);
        return true;
    }

    /** Falls through when the long in {@code slot} matches {@code p}, else jumps to {@code fail}. */
    private void pattern(IrPattern p, int slot, Label fail) {
        switch (p) {
            case IrPattern.Any a -> {}
            case IrPattern.Exact x -> {
                mv.visitVarInsn(LLOAD, slot);
                pushLong(x.value());
                mv.visitInsn(LCMP);
                mv.visitJumpInsn(IFNE, fail);
            }
            case IrPattern.Range r -> {
                if (Long.compareUnsigned(r.low(), r.high()) > 0) {
                    mv.visitJumpInsn(GOTO, fail);
                } else if (r.low() != 0 || r.high() != -1L) {
                    // low <= v <= high, unsigned: (v - low) <= (high - low), unsigned.
                    mv.visitVarInsn(LLOAD, slot);
                    pushLong(r.low());
                    mv.visitInsn(LSUB);
                    pushLong(r.high() - r.low());
                    mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
                    mv.visitJumpInsn(IFGT, fail);
                }
            }
            case IrPattern.Masked m -> {
                mv.visitVarInsn(LLOAD, slot);
                pushLong(m.mask());
                mv.visitInsn(LAND);
                pushLong(m.value() & m.mask());
                mv.visitInsn(LCMP);
                mv.visitJumpInsn(IFNE, fail);
            }
        }
    }

    private void loop(IrStmt.Loop l) {
        requireLong(l.from(), "a loop");
        int from = newLocal(Repr.LONG);
        int to = newLocal(Repr.LONG);
        int done = newLocal(Repr.LONG);
        expr(l.from());
        mv.visitVarInsn(LSTORE, from);
        expr(l.to());
        mv.visitVarInsn(LSTORE, to);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, done);
        boolean signed = dev.appl.compiler.ir.Arithmetic.signed(l.counter().type());
        Label test = new Label();
        Label step = new Label();
        Label end = new Label();
        mv.visitLabel(test);
        // done < max
        mv.visitVarInsn(LLOAD, done);
        pushLong(l.max());
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFGE, end);
        // i < to, signed or unsigned as the counter's type
        mv.visitVarInsn(LLOAD, from);
        mv.visitVarInsn(LLOAD, to);
        if (signed) {
            mv.visitInsn(LCMP);
        } else {
            mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
        }
        mv.visitJumpInsn(IFGE, end);
        mv.visitVarInsn(LLOAD, from);
        wrap(l.counter().type());
        storeLocal(l.counter(), Repr.LONG);
        loops.push(new Label[] {end, step});
        block(l.body());
        loops.pop();
        mv.visitLabel(step);
        mv.visitVarInsn(LLOAD, from);
        mv.visitInsn(LCONST_1);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, from);
        mv.visitVarInsn(LLOAD, done);
        mv.visitInsn(LCONST_1);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, done);
        mv.visitJumpInsn(GOTO, test);
        mv.visitLabel(end);
    }

    // ---- Packet writes --------------------------------------------------------------------------

    private void store(IrStmt.Store st) {
        requirePacket("a write to a header field");
        if (st.width() > 64) {
            throw new Unsupported(null, "a write to a " + st.width() + "-bit field (ip6) cannot be compiled yet");
        }
        int offset = localSlot(st.header());
        checkOffset(offset, true);
        int value = newLocal(Repr.LONG);
        expr(st.value());
        mv.visitVarInsn(LSTORE, value);
        int bytes = st.littleEndian() ? st.width() / 8 : (st.bitOffset() + st.width() + 7) / 8;
        checkPacketRange(offset, st.byteOffset() + (long) bytes, true);
        int address = address(offset, st.byteOffset());
        if (st.littleEndian()) {
            writeLittleEndian(address, st.width(), value);
        } else {
            writeBits(address, st.bitOffset(), st.width(), value);
        }
    }

    /** A new long local holding {@code base + offset + delta}: where a field starts in the buffer. */
    private int address(int offsetSlot, long delta) {
        int address = newLocal(Repr.LONG);
        mv.visitVarInsn(LLOAD, BASE_SLOT);
        mv.visitVarInsn(LLOAD, offsetSlot);
        mv.visitInsn(LADD);
        if (delta != 0) {
            pushLong(delta);
            mv.visitInsn(LADD);
        }
        mv.visitVarInsn(LSTORE, address);
        return address;
    }

    private void writeBits(int address, int bit, int width, int value) {
        int bytes = (bit + width + 7) / 8;
        if (bytes > 8) {
            mv.visitVarInsn(ALOAD, SEG_SLOT);
            mv.visitVarInsn(LLOAD, address);
            pushInt(bit);
            pushInt(width);
            mv.visitVarInsn(LLOAD, value);
            mv.visitMethodInsn(INVOKESTATIC, BITS, "put", "(L" + SEGMENT + ";JIIJ)V", false);
            return;
        }
        int bits = bytes * 8;
        if (bit == 0 && width == bits && (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8)) {
            mv.visitVarInsn(LLOAD, value);
            writeBigEndian(address, bytes);
            return;
        }
        // Read the bytes the field touches, replace its bits, write them back.
        int shift = bits - bit - width;
        long mask = ((1L << width) - 1) << shift;
        readBigEndian(address, bytes);
        pushLong(~mask);
        mv.visitInsn(LAND);
        mv.visitVarInsn(LLOAD, value);
        if (shift > 0) {
            pushInt(shift);
            mv.visitInsn(LSHL);
        }
        pushLong(mask);
        mv.visitInsn(LAND);
        mv.visitInsn(LOR);
        writeBigEndian(address, bytes);
    }

    /** Writes the long on the stack as {@code bytes} (1..8) big-endian bytes at the address local. */
    private void writeBigEndian(int address, int bytes) {
        int value = newLocal(Repr.LONG);
        mv.visitVarInsn(LSTORE, value);
        int at = 0;
        for (int size : pieces(bytes)) {
            int shift = (bytes - at - size) * 8;
            mv.visitVarInsn(ALOAD, SEG_SLOT);
            layout(size, true);
            mv.visitVarInsn(LLOAD, address);
            if (at > 0) {
                pushLong(at);
                mv.visitInsn(LADD);
            }
            mv.visitVarInsn(LLOAD, value);
            if (shift > 0) {
                pushInt(shift);
                mv.visitInsn(LUSHR);
            }
            setSized(size);
            at += size;
        }
    }

    /** How n bytes split into accesses of 4, 2 and 1 bytes (or one of 8). */
    private static int[] pieces(int bytes) {
        return switch (bytes) {
            case 1 -> new int[] {1};
            case 2 -> new int[] {2};
            case 3 -> new int[] {2, 1};
            case 4 -> new int[] {4};
            case 5 -> new int[] {4, 1};
            case 6 -> new int[] {4, 2};
            case 7 -> new int[] {4, 2, 1};
            case 8 -> new int[] {8};
            default -> throw new IllegalArgumentException("bytes " + bytes);
        };
    }

    /** Pushes the layout for an access of {@code size} bytes. */
    private void layout(int size, boolean bigEndian) {
        if (size == 1) {
            mv.visitFieldInsn(GETSTATIC, "java/lang/foreign/ValueLayout", "JAVA_BYTE", OF_BYTE);
            return;
        }
        String name = (bigEndian ? "B" : "L") + size * 8;
        mv.visitFieldInsn(GETSTATIC, cg.owner, name, layoutDescriptor(size));
    }

    private static String layoutDescriptor(int size) {
        return switch (size) {
            case 1 -> OF_BYTE;
            case 2 -> "Ljava/lang/foreign/ValueLayout$OfShort;";
            case 4 -> "Ljava/lang/foreign/ValueLayout$OfInt;";
            case 8 -> "Ljava/lang/foreign/ValueLayout$OfLong;";
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    private static String javaType(int size) {
        return switch (size) {
            case 1 -> "B";
            case 2 -> "S";
            case 4 -> "I";
            default -> "J";
        };
    }

    /** Stack: segment, layout, address, long value: stores the value's low bytes. */
    private void setSized(int size) {
        switch (size) {
            case 1 -> {
                mv.visitInsn(L2I);
                mv.visitInsn(I2B);
            }
            case 2 -> {
                mv.visitInsn(L2I);
                mv.visitInsn(I2S);
            }
            case 4 -> mv.visitInsn(L2I);
            default -> {}
        }
        mv.visitMethodInsn(INVOKEINTERFACE, SEGMENT, "set", "(" + layoutDescriptor(size) + "J" + javaType(size) + ")V", true);
    }

    /** Stack: segment, layout, address: loads the bytes as an unsigned long. */
    private void getSized(int size) {
        mv.visitMethodInsn(INVOKEINTERFACE, SEGMENT, "get", "(" + layoutDescriptor(size) + "J)" + javaType(size), true);
        switch (size) {
            case 1 -> {
                mv.visitInsn(I2L);
                pushLong(0xffL);
                mv.visitInsn(LAND);
            }
            case 2 -> {
                mv.visitInsn(I2L);
                pushLong(0xffffL);
                mv.visitInsn(LAND);
            }
            case 4 -> {
                mv.visitInsn(I2L);
                pushLong(0xffffffffL);
                mv.visitInsn(LAND);
            }
            default -> {}
        }
    }

    /** Pushes {@code bytes} (1..8) big-endian bytes at the address local as an unsigned long. */
    private void readBigEndian(int address, int bytes) {
        int at = 0;
        boolean first = true;
        for (int size : pieces(bytes)) {
            int shift = (bytes - at - size) * 8;
            mv.visitVarInsn(ALOAD, SEG_SLOT);
            layout(size, true);
            mv.visitVarInsn(LLOAD, address);
            if (at > 0) {
                pushLong(at);
                mv.visitInsn(LADD);
            }
            getSized(size);
            if (shift > 0) {
                pushInt(shift);
                mv.visitInsn(LSHL);
            }
            if (!first) {
                mv.visitInsn(LOR);
            }
            first = false;
            at += size;
        }
    }

    private void writeLittleEndian(int address, int width, int value) {
        writeLittleEndian(SEG_SLOT, address, width, value);
    }

    private void writeLittleEndian(int segment, int address, int width, int value) {
        int size = width / 8;
        if (size == 1 || size == 2 || size == 4 || size == 8) {
            mv.visitVarInsn(ALOAD, segment);
            layout(size, false);
            mv.visitVarInsn(LLOAD, address);
            mv.visitVarInsn(LLOAD, value);
            setSized(size);
            return;
        }
        mv.visitVarInsn(ALOAD, segment);
        mv.visitVarInsn(LLOAD, address);
        pushInt(width);
        mv.visitVarInsn(LLOAD, value);
        mv.visitMethodInsn(INVOKESTATIC, BITS, "putLittleEndian", "(L" + SEGMENT + ";JIJ)V", false);
    }

    private void insert(IrStmt.Insert ins) {
        requirePacket("a push");
        int at = newLocal(Repr.LONG);
        expr(ins.at());
        mv.visitVarInsn(LSTORE, at);
        if (ins.header().type() instanceof Type.Header h && shapes.exploded(h)) {
            int n = pushParts(at, h, parts(ins.header()));
            reloadPacket();
            moveOffsets(ins.moved(), at, IFLT, n, LADD);
            return;
        }
        // Build the bytes first: the value may view the packet that is about to move.
        scratch();
        mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "reset", "()L" + SCRATCH + ";", false);
        mv.visitInsn(POP);
        appendBytes(ins.header());
        int n = newLocal(Repr.LONG);
        scratch();
        mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "size", "()I", false);
        mv.visitInsn(I2L);
        mv.visitVarInsn(LSTORE, n);
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitVarInsn(LLOAD, at);
        scratch();
        mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "segment", "()L" + SEGMENT + ";", false);
        mv.visitVarInsn(LLOAD, n);
        mv.visitMethodInsn(INVOKESTATIC, PACKETS, "insert", "(L" + VIEW + ";JL" + SEGMENT + ";J)I", false);
        returnIfFailed();
        reloadPacket();
        // Offsets at or after the insertion point move with their headers.
        moveOffsets(ins.moved(), at, IFLT, n, LADD);
    }

    /**
     * Pushes a scalar-replaced header value straight into the packet: makes room at {@code at},
     * then writes its fields ({@link #writeHeader}) and its trailing bytes. The trailing bytes go
     * through the kernel's scratch buffer first, since they may view the packet that moves. Returns
     * the local holding the header's length; the packet's locals are to be reloaded.
     */
    private int pushParts(int at, Type.Header h, int[] parts) {
        dev.appl.language.types.HeaderLayout layout = shapes.layout(h);
        int fixed = layout.fixedBytes();
        int trailing = trailingField(layout);
        int n = newLocal(Repr.LONG);
        // Trailing bytes (most often none: a header without options) cost a copy only when there are some.
        int trailingLength = newLocal(Repr.LONG);
        Label noTrailing = new Label();
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, trailingLength);
        if (trailing >= 0) {
            mv.visitVarInsn(ALOAD, parts[trailing]);
            mv.visitMethodInsn(INVOKEINTERFACE, SEGMENT, "byteSize", "()J", true);
            mv.visitVarInsn(LSTORE, trailingLength);
            mv.visitVarInsn(LLOAD, trailingLength);
            mv.visitInsn(LCONST_0);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFEQ, noTrailing);
            scratch();
            mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "reset", "()L" + SCRATCH + ";", false);
            mv.visitVarInsn(ALOAD, parts[trailing]);
            mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "append", "(L" + SEGMENT + ";)V", false);
            mv.visitLabel(noTrailing);
        }
        pushLong(fixed);
        mv.visitVarInsn(LLOAD, trailingLength);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, n);
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitVarInsn(LLOAD, at);
        mv.visitVarInsn(LLOAD, n);
        mv.visitMethodInsn(INVOKESTATIC, PACKETS, "open", "(L" + VIEW + ";JJ)I", false);
        returnIfFailed();
        int address = newLocal(Repr.LONG);
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitFieldInsn(GETFIELD, VIEW, "offset", "J");
        mv.visitVarInsn(LLOAD, at);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, address);
        writeHeader(SEG_SLOT, address, h, parts);
        if (trailing >= 0) {
            Label done = new Label();
            mv.visitVarInsn(LLOAD, trailingLength);
            mv.visitInsn(LCONST_0);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFEQ, done);
            scratch();
            mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "segment", "()L" + SEGMENT + ";", false);
            mv.visitInsn(LCONST_0);
            mv.visitVarInsn(ALOAD, SEG_SLOT);
            mv.visitVarInsn(LLOAD, address);
            pushLong(fixed);
            mv.visitInsn(LADD);
            mv.visitVarInsn(LLOAD, trailingLength);
            mv.visitMethodInsn(INVOKESTATIC, SEGMENT, "copy", "(L" + SEGMENT + ";JL" + SEGMENT + ";JJ)V", true);
            mv.visitLabel(done);
        }
        return n;
    }

    /** The index of a header's trailing bytes field, or -1. */
    private static int trailingField(dev.appl.language.types.HeaderLayout layout) {
        for (int i = 0; i < layout.fields().size(); i++) {
            if (layout.fields().get(i).isTrailingBytes()) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Writes the fixed part of a scalar-replaced header value at the address in local
     * {@code address} of the segment in local {@code segment}: big-endian words composed from the
     * fields' locals (zero where no field is), then its little-endian and ip6 fields.
     */
    private void writeHeader(int segment, int address, Type.Header h, int[] parts) {
        dev.appl.language.types.HeaderLayout layout = shapes.layout(h);
        List<dev.appl.language.types.HeaderLayout.FieldLayout> fields = layout.fields();
        int fixed = layout.fixedBytes();
        // In accesses of 8 bytes, then 4, 2 and 1 for what is left.
        int done = 0;
        while (done < fixed) {
            int size = fixed - done >= 8 ? 8 : pieces(fixed - done)[0];
            long chunkStart = done * 8L;
            long chunkEnd = (done + size) * 8L;
            mv.visitVarInsn(ALOAD, segment);
            layout(size, true);
            mv.visitVarInsn(LLOAD, address);
            if (done > 0) {
                pushLong(done);
                mv.visitInsn(LADD);
            }
            mv.visitInsn(LCONST_0);
            for (int i = 0; i < fields.size(); i++) {
                var f = fields.get(i);
                if (f.isTrailingBytes() || f.littleEndian() || f.bitWidth() > 64) {
                    continue;
                }
                long from = Math.max(f.bitOffset(), chunkStart);
                long to = Math.min((long) f.bitOffset() + f.bitWidth(), chunkEnd);
                if (from >= to) {
                    continue;
                }
                // Bits [from, to) of the header: the field's value shifted down past its bits after
                // `to`, cut to the overlap, and placed where the overlap ends in the chunk.
                mv.visitVarInsn(LLOAD, parts[i]);
                int below = (int) (f.bitOffset() + f.bitWidth() - to);
                if (below > 0) {
                    pushInt(below);
                    mv.visitInsn(LUSHR);
                }
                int width = (int) (to - from);
                if (width < 64) {
                    pushLong((1L << width) - 1);
                    mv.visitInsn(LAND);
                }
                int shift = (int) (chunkEnd - to);
                if (shift > 0) {
                    pushInt(shift);
                    mv.visitInsn(LSHL);
                }
                mv.visitInsn(LOR);
            }
            setSized(size);
            done += size;
        }
        for (int i = 0; i < fields.size(); i++) {
            var f = fields.get(i);
            if (f.isTrailingBytes()) {
                continue;
            }
            if (f.bitWidth() > 64) {
                mv.visitVarInsn(ALOAD, segment);
                mv.visitVarInsn(LLOAD, address);
                pushLong(f.bitOffset() / 8);
                mv.visitInsn(LADD);
                mv.visitVarInsn(ALOAD, parts[i]);
                mv.visitMethodInsn(INVOKESTATIC, BITS, "putIp6", "(L" + SEGMENT + ";JLjava/math/BigInteger;)V", false);
            } else if (f.littleEndian()) {
                int fieldAddress = newLocal(Repr.LONG);
                mv.visitVarInsn(LLOAD, address);
                pushLong(f.bitOffset() / 8);
                mv.visitInsn(LADD);
                mv.visitVarInsn(LSTORE, fieldAddress);
                writeLittleEndian(segment, fieldAddress, f.bitWidth(), parts[i]);
            }
        }
    }

    /**
     * For each offset local: unless {@code offset <cmp> at} jumps past (IFLT: offsets before the
     * point stay; IFLE: offsets at or before it stay), {@code offset = offset <op> by}.
     */
    private void moveOffsets(java.util.List<IrLocal> moved, int at, int staysIf, int by, int op) {
        for (IrLocal local : moved) {
            int slot = localSlot(local);
            Label same = new Label();
            mv.visitVarInsn(LLOAD, slot);
            mv.visitVarInsn(LLOAD, at);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(staysIf, same);
            mv.visitVarInsn(LLOAD, slot);
            mv.visitVarInsn(LLOAD, by);
            mv.visitInsn(op);
            mv.visitVarInsn(LSTORE, slot);
            mv.visitLabel(same);
        }
    }

    private void remove(IrStmt.Remove rm) {
        requirePacket("a pop");
        int header = localSlot(rm.header());
        checkOffset(header, true);
        int at = newLocal(Repr.LONG);
        mv.visitVarInsn(LLOAD, header);
        mv.visitVarInsn(LSTORE, at);
        int length = newLocal(Repr.LONG);
        expr(rm.length());
        mv.visitVarInsn(LSTORE, length);
        mv.visitVarInsn(ALOAD, VIEW_SLOT);
        mv.visitVarInsn(LLOAD, at);
        mv.visitVarInsn(LLOAD, length);
        mv.visitMethodInsn(INVOKESTATIC, PACKETS, "remove", "(L" + VIEW + ";JJ)I", false);
        returnIfFailed();
        reloadPacket();
        pushLong(-1);
        mv.visitVarInsn(LSTORE, header);
        // Offsets after the removed bytes move back by their length.
        moveOffsets(rm.moved(), at, IFLE, length, LSUB);
    }

    // ---- Aggregates -----------------------------------------------------------------------------

    private void assignPart(IrStmt.AssignPart a) {
        Repr targetRepr = repr(a.target().type());
        Type valueType = a.value().type();
        Repr valueRepr = repr(valueType);
        int value = newLocal(valueRepr);
        expr(a.value());
        if (copyStoredBytes && shapes.containsBytes(valueType)) {
            copyBytes(valueRepr);
        }
        if (valueRepr != Repr.VOID) {
            mv.visitVarInsn(valueRepr.storeOpcode(), value);
        }
        loadLocal(a.target(), targetRepr);
        int top = newLocal(targetRepr);
        mv.visitVarInsn(ASTORE, top);
        assignPath(a, 0, top, a.target().type(), value, valueRepr);
        mv.visitVarInsn(ALOAD, top);
        storeLocal(a.target(), targetRepr);
    }

    /**
     * Replaces the part at {@code path[depth..]} of the aggregate in local {@code slot} (of type
     * {@code type}): the aggregate is copied first (values are never changed in place, so copies
     * share nothing), as the interpreter's copy-on-write does, and the copy is left in the slot.
     */
    private void assignPath(IrStmt.AssignPart a, int depth, int slot, Type type, int value, Repr valueRepr) {
        Repr r = repr(type);
        if (r != Repr.FLAT && r != Repr.OBJS) {
            throw new Unsupported(null, "an assignment to part of a `" + type.display() + "` value");
        }
        int index = newLocal(Repr.LONG);
        expr(a.path().get(depth));
        mv.visitVarInsn(LSTORE, index);
        // copy, then check the index against the copy's length
        mv.visitVarInsn(ALOAD, slot);
        mv.visitMethodInsn(INVOKEVIRTUAL, r.descriptor, "clone", "()Ljava/lang/Object;", false);
        mv.visitTypeInsn(CHECKCAST, r.boxClass);
        mv.visitVarInsn(ASTORE, slot);
        checkIndex(slot, index);
        boolean last = depth == a.path().size() - 1;
        Type partType = partTypeAt(type, a.path().get(depth));
        if (last) {
            mv.visitVarInsn(ALOAD, slot);
            mv.visitVarInsn(LLOAD, index);
            mv.visitInsn(L2I);
            if (valueRepr != Repr.VOID) {
                mv.visitVarInsn(valueRepr.loadOpcode(), value);
            }
            if (r == Repr.FLAT) {
                adapt(valueRepr, Repr.LONG);
                mv.visitInsn(LASTORE);
            } else {
                box(valueRepr);
                mv.visitInsn(AASTORE);
            }
            return;
        }
        if (r == Repr.FLAT || partType == null) {
            throw new Unsupported(null, "an assignment to part of a part of a `" + type.display() + "` value");
        }
        Repr partRepr = repr(partType);
        int child = newLocal(partRepr);
        mv.visitVarInsn(ALOAD, slot);
        mv.visitVarInsn(LLOAD, index);
        mv.visitInsn(L2I);
        mv.visitInsn(AALOAD);
        unbox(mv, partRepr);
        mv.visitVarInsn(partRepr.storeOpcode(), child);
        assignPath(a, depth + 1, child, partType, value, valueRepr);
        mv.visitVarInsn(ALOAD, slot);
        mv.visitVarInsn(LLOAD, index);
        mv.visitInsn(L2I);
        mv.visitVarInsn(partRepr.loadOpcode(), child);
        box(partRepr);
        mv.visitInsn(AASTORE);
    }

    private Type partTypeAt(Type aggregate, IrExpr index) {
        if (aggregate instanceof Type.Array a) {
            return a.element();
        }
        if (index instanceof IrExpr.Const c && c.value() instanceof Long i) {
            return shapes.partType(aggregate, i.intValue());
        }
        return null;
    }

    /** Malformed (thrown) unless {@code 0 <= index < length} of the array in {@code arraySlot}. */
    private void checkIndex(int arraySlot, int indexSlot) {
        // index < 0 or index >= length: (index | (length - 1 - index)) < 0
        mv.visitVarInsn(LLOAD, indexSlot);
        mv.visitVarInsn(ALOAD, arraySlot);
        mv.visitInsn(ARRAYLENGTH);
        mv.visitInsn(I2L);
        mv.visitInsn(LCONST_1);
        mv.visitInsn(LSUB);
        mv.visitVarInsn(LLOAD, indexSlot);
        mv.visitInsn(LSUB);
        mv.visitInsn(LOR);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        malformedIf(IFLT, false);
    }

    /** Replaces the value on the stack by a copy whose bytes no packet change can reach. */
    private void copyBytes(Repr r) {
        switch (r) {
            case SEG -> mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "copy", "(L" + SEGMENT + ";)L" + SEGMENT + ";", false);
            case OBJS -> {
                mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "copyBytes", "(Ljava/lang/Object;)Ljava/lang/Object;", false);
                mv.visitTypeInsn(CHECKCAST, r.boxClass);
            }
            default -> {}
        }
    }

    // ---- Maps -----------------------------------------------------------------------------------

    private IrAppliance.MapState mapState(int map) {
        return cg.ir.maps.get(map);
    }

    private void mapAndNow(int map) {
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, cg.owner, "m$" + map, cg.mapDescriptor(map));
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, cg.owner, "now", "J");
    }

    /** A map key or value evaluated before the call: the local holding it, or the locals of its parts. */
    private record Staged(Repr repr, int slot, int[] parts) {}

    /**
     * Evaluates a map key or value, of the map's type {@code declared}, ahead of the call: all the
     * call's arguments are evaluated before any is packed into the map's scratch arrays, which
     * another call on the same map inside them would overwrite.
     */
    private Staged stage(IrExpr e, Type declared) {
        Repr r = repr(declared);
        if (r == Repr.FLAT && shapes.exploded(declared) && shapes.exploded(e.type())) {
            return new Staged(r, -1, parts(e));
        }
        int slot = newLocal(r);
        expr(e);
        adapt(repr(e.type()), r);
        mv.visitVarInsn(r.storeOpcode(), slot);
        return new Staged(r, slot, null);
    }

    /**
     * Pushes a staged key or value as the map takes it ({@code J} or {@code [J}) and returns its
     * descriptor; a struct's parts are packed into the kernel's scratch array {@code field}, which
     * the map copies from and does not keep.
     */
    private String push(Staged staged, String field) {
        if (staged.parts() == null) {
            mv.visitVarInsn(staged.repr().loadOpcode(), staged.slot());
            return staged.repr().descriptor;
        }
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, cg.owner, field, "[J");
        for (int i = 0; i < staged.parts().length; i++) {
            mv.visitInsn(DUP);
            pushInt(i);
            mv.visitVarInsn(LLOAD, staged.parts()[i]);
            mv.visitInsn(LASTORE);
        }
        return "[J";
    }

    private void mapGet(IrStmt.MapGet g) {
        IrAppliance.MapState m = mapState(g.map());
        int slot = newLocal(Repr.LONG);
        Staged keyValue = stage(g.key(), m.key());
        mapAndNow(g.map());
        String key = push(keyValue, Codegen.mapKeyField(g.map()));
        mv.visitMethodInsn(INVOKEVIRTUAL, cg.mapClass(g.map()), "get", "(J" + key + ")I", false);
        mv.visitVarInsn(ISTORE, slot);
        Label hit = new Label();
        Label end = new Label();
        mv.visitVarInsn(ILOAD, slot);
        mv.visitJumpInsn(IFGE, hit);
        block(g.missing());
        mv.visitJumpInsn(GOTO, end);
        mv.visitLabel(hit);
        if (isExploded(g.target()) && repr(m.value()) == Repr.FLAT) {
            // Word by word out of the map's own storage.
            int[] own = partSlots[g.target().slot()];
            for (int i = 0; i < own.length; i++) {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, "m$" + g.map(), cg.mapDescriptor(g.map()));
                mv.visitVarInsn(ILOAD, slot);
                pushInt(i);
                mv.visitMethodInsn(INVOKEVIRTUAL, cg.mapClass(g.map()), "value", "(II)J", false);
                mv.visitVarInsn(LSTORE, own[i]);
            }
            mv.visitLabel(end);
            return;
        }
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, cg.owner, "m$" + g.map(), cg.mapDescriptor(g.map()));
        mv.visitVarInsn(ILOAD, slot);
        Repr value = repr(m.value());
        if (value == Repr.FLAT) {
            mv.visitMethodInsn(INVOKEVIRTUAL, cg.mapClass(g.map()), "copyValue", "(I)[J", false);
        } else {
            mv.visitInsn(ICONST_0);
            mv.visitMethodInsn(INVOKEVIRTUAL, cg.mapClass(g.map()), "value", "(II)J", false);
        }
        adapt(value, repr(g.target().type()));
        storeLocal(g.target(), repr(g.target().type()));
        mv.visitLabel(end);
    }

    private void mapOp(IrExpr.MapOp m) {
        IrAppliance.MapState state = mapState(m.map());
        switch (m.op()) {
            case "contains", "remove" -> {
                Staged keyValue = stage(m.args().getFirst(), state.key());
                mapAndNow(m.map());
                String key = push(keyValue, Codegen.mapKeyField(m.map()));
                mv.visitMethodInsn(INVOKEVIRTUAL, cg.mapClass(m.map()), m.op(), "(J" + key + ")Z", false);
                mv.visitInsn(I2L);
            }
            case "size" -> {
                mapAndNow(m.map());
                mv.visitMethodInsn(INVOKEVIRTUAL, cg.mapClass(m.map()), "size", "(J)I", false);
                mv.visitInsn(I2L);
            }
            case "put" -> {
                Staged keyValue = stage(m.args().get(0), state.key());
                Staged valueValue = stage(m.args().get(1), state.value());
                mapAndNow(m.map());
                String key = push(keyValue, Codegen.mapKeyField(m.map()));
                String value = push(valueValue, Codegen.mapValueField(m.map()));
                mv.visitMethodInsn(INVOKEVIRTUAL, cg.mapClass(m.map()), "put", "(J" + key + value + ")Z", false);
                mv.visitInsn(I2L);
            }
            default -> throw new Unsupported(null, "map method `" + m.op() + "`");
        }
        adapt(Repr.LONG, repr(m.type()));
    }

    // ---- Stores ---------------------------------------------------------------------------------

    /**
     * Finds the assignments of a bytes local in {@code b} (and the blocks inside it) after which
     * every read of the local comes in the statements that follow in the same block, before any
     * statement that changes the packet or a blocks store: up to its last read, the view still shows
     * what it showed when assigned, so it needs no copy. A local read anywhere else, or assigned
     * inside a loop that changes the packet, keeps its copy.
     */
    private void findSafeViews(IrStmt.Block b) {
        java.util.Map<IrLocal, Integer> reads = new java.util.HashMap<>();
        dev.appl.compiler.ir.IrWalk.block(fn.body(), e -> {
            if (e instanceof IrExpr.Read r) {
                reads.merge(r.local(), 1, Integer::sum);
            }
        }, s -> {});
        dev.appl.compiler.ir.IrWalk.block(b, e -> {}, s -> {
            switch (s) {
                case IrStmt.If i -> {
                    safeViewsIn(i.then(), reads);
                    safeViewsIn(i.orElse(), reads);
                }
                case IrStmt.Switch sw -> {
                    sw.cases().forEach(c -> safeViewsIn(c.body(), reads));
                    safeViewsIn(sw.otherwise(), reads);
                }
                case IrStmt.Loop l -> safeViewsIn(l.body(), reads);
                case IrStmt.Scoped sc -> safeViewsIn(sc.body(), reads);
                case IrStmt.MapGet g -> safeViewsIn(g.missing(), reads);
                case IrStmt.StoreGet g -> safeViewsIn(g.missing(), reads);
                default -> {}
            }
        });
        safeViewsIn(b, reads);
    }

    private void safeViewsIn(IrStmt.Block b, java.util.Map<IrLocal, Integer> reads) {
        if (b == null) {
            return;
        }
        List<IrStmt> list = b.statements();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof IrStmt.Assign a) || shapes.exploded(a.target().type())
                    || repr(a.target().type()) != Repr.SEG) {
                continue;
            }
            int total = reads.getOrDefault(a.target(), 0);
            int seen = 0;
            for (int j = i + 1; j < list.size() && seen < total; j++) {
                IrStmt s = list.get(j);
                int[] here = {0};
                boolean[] writes = {false};
                dev.appl.compiler.ir.IrWalk.block(new IrStmt.Block(List.of(s)), e -> {
                    if (e instanceof IrExpr.Read r && r.local() == a.target()) {
                        here[0]++;
                    }
                    writes[0] |= e instanceof IrExpr.StoreOp op && cg.ir.stores.get(op.store()).kind().equals("blocks")
                            && (op.op().equals("write") || op.op().equals("zero") || op.op().equals("trim"));
                }, x -> writes[0] |= x instanceof IrStmt.Store || x instanceof IrStmt.Insert || x instanceof IrStmt.Remove);
                if (writes[0]) {
                    break; // the packet changes here (maybe after the reads in this statement: not proven)
                }
                seen += here[0];
            }
            if (seen == total) {
                viewsSafe.add(a);
                viewLocals.add(a.target());
            }
        }
    }

    /** Whether {@code body} changes the bytes of a blocks store (write, zero, trim). */
    private static boolean writesBlocks(dev.appl.compiler.ir.IrAppliance ir, IrStmt.Block body) {
        boolean[] found = {false};
        dev.appl.compiler.ir.IrWalk.block(body, e -> found[0] |= e instanceof IrExpr.StoreOp s
                && ir.stores.get(s.store()).kind().equals("blocks")
                && (s.op().equals("write") || s.op().equals("zero") || s.op().equals("trim")), s -> {});
        return found[0];
    }

    private String storeClass(int store) {
        return Codegen.storeClass(cg.ir.stores.get(store).kind());
    }

    private void loadStore(int store) {
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, cg.owner, "s$" + store, "L" + storeClass(store) + ";");
    }

    /** Pushes a store operation's argument: an offset or length as a long, bytes as a segment. */
    private void storeArg(IrExpr e, Repr as) {
        expr(e);
        adapt(repr(e.type()), as);
    }

    /** kv get and log read: the value, a view of the store's mapping (which no write changes), or the else block. */
    private void storeGet(IrStmt.StoreGet g) {
        String type = storeClass(g.store());
        loadStore(g.store());
        if (type.equals(Codegen.KV_STORE)) {
            storeArg(g.key(), Repr.SEG);
            mv.visitMethodInsn(INVOKEVIRTUAL, type, "get", "(L" + SEGMENT + ";)L" + SEGMENT + ";", false);
        } else {
            storeArg(g.key(), Repr.LONG);
            mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, "read", "(L" + type + ";J)L" + SEGMENT + ";", false);
        }
        Label hit = new Label();
        Label end = new Label();
        mv.visitInsn(DUP);
        mv.visitJumpInsn(IFNONNULL, hit);
        mv.visitInsn(POP);
        block(g.missing());
        mv.visitJumpInsn(GOTO, end);
        mv.visitLabel(hit);
        adapt(Repr.SEG, repr(g.target().type()));
        storeLocal(g.target(), repr(g.target().type()));
        mv.visitLabel(end);
    }

    private void storeOp(IrExpr.StoreOp s) {
        String type = storeClass(s.store());
        String store = "L" + type + ";";
        String seg = "L" + SEGMENT + ";";
        loadStore(s.store());
        Repr result = Repr.VOID;
        switch (s.op()) {
            case "read" -> {
                storeArg(s.args().get(0), Repr.LONG);
                storeArg(s.args().get(1), Repr.LONG);
                mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, "read", "(" + store + "JJ)" + seg, false);
                result = Repr.SEG;
            }
            case "write" -> {
                storeArg(s.args().get(0), Repr.LONG);
                storeArg(s.args().get(1), Repr.SEG);
                mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, "write", "(" + store + "J" + seg + ")V", false);
            }
            case "zero", "trim" -> {
                storeArg(s.args().get(0), Repr.LONG);
                storeArg(s.args().get(1), Repr.LONG);
                mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, s.op(), "(" + store + "JJ)V", false);
            }
            case "clear" -> mv.visitMethodInsn(INVOKEVIRTUAL, type, "clear", "()V", false);
            case "flush" -> {
                if (s.args().isEmpty()) {
                    mv.visitMethodInsn(INVOKEVIRTUAL, type, "flush", "()V", false);
                } else {
                    storeArg(s.args().get(0), Repr.LONG);
                    storeArg(s.args().get(1), Repr.LONG);
                    mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, "flush", "(" + store + "JJ)V", false);
                }
            }
            case "size" -> {
                mv.visitMethodInsn(INVOKEVIRTUAL, type, type.equals(Codegen.LOG_STORE) ? "end" : "size", "()J", false);
                result = Repr.LONG;
            }
            case "append" -> {
                storeArg(s.args().get(0), Repr.SEG);
                mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, "append", "(" + store + seg + ")J", false);
                result = Repr.LONG;
            }
            case "next" -> {
                storeArg(s.args().get(0), Repr.LONG);
                mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, "next", "(" + store + "J)J", false);
                result = Repr.LONG;
            }
            case "put" -> {
                for (IrExpr part : s.args()) {
                    storeArg(part, Repr.SEG);
                }
                mv.visitMethodInsn(INVOKESTATIC, Codegen.STORE_OPS, "put", "(" + store + seg.repeat(s.args().size()) + ")V", false);
            }
            case "remove", "contains" -> {
                storeArg(s.args().get(0), Repr.SEG);
                mv.visitMethodInsn(INVOKEVIRTUAL, type, s.op(), "(" + seg + ")Z", false);
                mv.visitInsn(I2L);
                result = Repr.LONG;
            }
            default -> throw new Unsupported(null, "store method `" + s.op() + "`");
        }
        adapt(result, repr(s.type()));
    }

    // ---- Tables ---------------------------------------------------------------------------------

    private void apply(IrStmt.Apply a) {
        IrAppliance.Table table = cg.ir.tables.get(a.table());
        int[] keys = new int[a.keys().size()];
        for (int i = 0; i < keys.length; i++) {
            requireLong(a.keys().get(i), "a table key");
            keys[i] = newLocal(Repr.LONG);
            expr(a.keys().get(i));
            mv.visitVarInsn(LSTORE, keys[i]);
        }
        int actions = table.actions().size();
        Label end = new Label();
        Label[] bodies = new Label[actions];
        IrStmt.ActionCase[] cases = new IrStmt.ActionCase[actions];
        for (int i = 0; i < actions; i++) {
            bodies[i] = new Label();
        }
        for (IrStmt.ActionCase c : a.actions()) {
            if (c.action() >= 0 && c.action() < actions && cases[c.action()] == null) {
                cases[c.action()] = c;
            }
        }
        // The spec's const entries, in order, compiled into compares (its other entries are the
        // run-time table's first: handlers may remove them), unless the code around has tried them.
        boolean constHere = table.constEntries() && !a.runtimeOnly();
        for (IrAppliance.Entry e : constHere ? table.entries() : List.<IrAppliance.Entry>of()) {
            Label nextEntry = new Label();
            for (int i = 0; i < keys.length; i++) {
                pattern(e.patterns().get(i), keys[i], nextEntry);
            }
            choose(a, cases, e.action(), e.data(), bodies, end);
            mv.visitLabel(nextEntry);
        }
        // Then the run-time entries.
        Label byDefault = new Label();
        int entry = newLocal(Repr.LONG);
        if (keys.length <= 4) {
            // The values themselves, with no array in between (EntryTable.match(long, long, long, long)).
            tableField(a.table());
            for (int i = 0; i < 4; i++) {
                if (i < keys.length) {
                    mv.visitVarInsn(LLOAD, keys[i]);
                } else {
                    mv.visitInsn(LCONST_0);
                }
            }
            mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "match", "(JJJJ)I", false);
        } else {
            mv.visitVarInsn(ALOAD, 0);
            mv.visitFieldInsn(GETFIELD, cg.owner, "k$" + a.table(), "[J");
            for (int i = 0; i < keys.length; i++) {
                mv.visitInsn(DUP);
                pushInt(i);
                mv.visitVarInsn(LLOAD, keys[i]);
                mv.visitInsn(LASTORE);
            }
            int keyArray = newLocal(Repr.FLAT);
            mv.visitVarInsn(ASTORE, keyArray);
            tableField(a.table());
            mv.visitVarInsn(ALOAD, keyArray);
            mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "match", "([J)I", false);
        }
        mv.visitVarInsn(ISTORE, entry);
        mv.visitVarInsn(ILOAD, entry);
        mv.visitJumpInsn(IFLT, byDefault);
        int action = newLocal(Repr.LONG);
        tableField(a.table());
        mv.visitVarInsn(ILOAD, entry);
        mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "action", "(I)I", false);
        mv.visitVarInsn(ISTORE, action);
        Label unknown = new Label();
        if (actions > 0) {
            Label[] loaded = new Label[actions];
            for (int i = 0; i < actions; i++) {
                loaded[i] = new Label();
            }
            mv.visitVarInsn(ILOAD, action);
            mv.visitTableSwitchInsn(0, actions - 1, unknown, loaded);
            for (int i = 0; i < actions; i++) {
                mv.visitLabel(loaded[i]);
                setResult(a, i);
                IrStmt.ActionCase c = cases[i];
                if (c == null) {
                    mv.visitJumpInsn(GOTO, end);
                    continue;
                }
                boolean scalars = c.data().stream().allMatch(d -> repr(d.type()) == Repr.LONG
                        || d.type() instanceof Type.Bytes);
                if (!scalars) {
                    // Run-time entries hold scalar and bytes data only (what loaders write).
                    mv.visitTypeInsn(NEW, "java/lang/IllegalStateException");
                    mv.visitInsn(DUP);
                    mv.visitLdcInsn("a run-time entry for action `" + table.actions().get(i).name()
                            + "`, whose data are not all scalars");
                    mv.visitMethodInsn(INVOKESPECIAL, "java/lang/IllegalStateException", "<init>", "(Ljava/lang/String;)V", false);
                    mv.visitInsn(ATHROW);
                    continue;
                }
                for (int j = 0; j < c.data().size(); j++) {
                    boolean bytes = c.data().get(j).type() instanceof Type.Bytes;
                    if (bytes) {
                        mv.visitVarInsn(ALOAD, 0);
                        mv.visitFieldInsn(GETFIELD, cg.owner, "b$" + a.table(), "L" + Codegen.BLOB_POOL + ";");
                    }
                    tableField(a.table());
                    mv.visitVarInsn(ILOAD, entry);
                    pushInt(j);
                    mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "data", "(II)J", false);
                    if (bytes) {
                        mv.visitInsn(L2I);
                        mv.visitMethodInsn(INVOKEVIRTUAL, Codegen.BLOB_POOL, "get", "(I)L" + SEGMENT + ";", false);
                        storeLocal(c.data().get(j), Repr.SEG);
                    } else {
                        storeLocal(c.data().get(j), Repr.LONG);
                    }
                }
                mv.visitJumpInsn(GOTO, bodies[i]);
            }
        }
        // An action index the table does not have: the interpreter records it and runs nothing.
        mv.visitLabel(unknown);
        if (a.result() != null) {
            mv.visitVarInsn(ILOAD, action);
            mv.visitInsn(I2L);
            storeLocal(a.result(), Repr.LONG);
        }
        mv.visitJumpInsn(GOTO, end);
        mv.visitLabel(byDefault);
        choose(a, cases, table.defaultAction(), table.defaultData(), bodies, end);
        for (int i = 0; i < actions; i++) {
            mv.visitLabel(bodies[i]);
            if (cases[i] != null) {
                block(cases[i].body());
            }
            mv.visitJumpInsn(GOTO, end);
        }
        mv.visitLabel(end);
    }

    private void tableField(int table) {
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, cg.owner, "t$" + table, "L" + ENTRY_TABLE + ";");
    }

    private void setResult(IrStmt.Apply a, int action) {
        if (a.result() != null) {
            pushLong(action);
            storeLocal(a.result(), Repr.LONG);
        }
    }

    /** Runs action {@code action} of an apply with constant data (a spec entry or the default). */
    private void choose(IrStmt.Apply a, IrStmt.ActionCase[] cases, int action, List<Object> data, Label[] bodies,
            Label end) {
        setResult(a, action);
        if (action < 0 || action >= cases.length || cases[action] == null) {
            mv.visitJumpInsn(GOTO, end);
            return;
        }
        IrStmt.ActionCase c = cases[action];
        for (int j = 0; j < c.data().size(); j++) {
            IrLocal d = c.data().get(j);
            Repr r = repr(d.type());
            constant(data.get(j), d.type());
            storeLocal(d, r);
        }
        mv.visitJumpInsn(GOTO, bodies[action]);
    }

    /**
     * The keys of a table write that are ip4 prefixes (their address with the length in bits 32 to
     * 39, as lowered), a bit each: the run-time table matches the addresses under them.
     */
    private static long prefixKeys(IrExpr.TableOp t, int keys) {
        long bits = 0;
        for (int i = 0; i < keys && i < t.args().size(); i++) {
            if (t.args().get(i).type() instanceof Type.Prefix) {
                bits |= 1L << i;
            }
        }
        return bits;
    }

    private void tableOp(IrExpr.TableOp t) {
        IrAppliance.Table table = cg.ir.tables.get(t.table());
        int keys = table.keys().size();
        int[] args = new int[t.args().size()];
        for (int i = 0; i < args.length; i++) {
            requireLong(t.args().get(i), "a table method's argument");
            args[i] = newLocal(Repr.LONG);
            expr(t.args().get(i));
            mv.visitVarInsn(LSTORE, args[i]);
        }
        if (!t.op().equals("clear")) {
            mv.visitVarInsn(ALOAD, 0);
            mv.visitFieldInsn(GETFIELD, cg.owner, "k$" + t.table(), "[J");
            for (int i = 0; i < keys; i++) {
                mv.visitInsn(DUP);
                pushInt(i);
                mv.visitVarInsn(LLOAD, args[i]);
                mv.visitInsn(LASTORE);
            }
            mv.visitInsn(POP);
        }
        switch (t.op()) {
            case "clear" -> {
                tableField(t.table());
                mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "clear", "()V", false);
            }
            case "remove" -> {
                tableField(t.table());
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, "k$" + t.table(), "[J");
                pushLong(prefixKeys(t, keys));
                mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "remove", "([JJ)V", false);
            }
            case "insert" -> {
                // The data go into the table's scratch d$ (as long as its widest action's data),
                // which the table copies: an insert allocates nothing.
                int data = args.length - keys - 1;
                int dataArray = newLocal(Repr.FLAT);
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, "d$" + t.table(), "[J");
                mv.visitVarInsn(ASTORE, dataArray);
                for (int j = 0; j < data; j++) {
                    mv.visitVarInsn(ALOAD, dataArray);
                    pushInt(j);
                    mv.visitVarInsn(LLOAD, args[keys + 1 + j]);
                    mv.visitInsn(LASTORE);
                }
                tableField(t.table());
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, "k$" + t.table(), "[J");
                pushLong(prefixKeys(t, keys));
                mv.visitVarInsn(LLOAD, args[keys]);
                mv.visitInsn(L2I);
                mv.visitVarInsn(ALOAD, dataArray);
                mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "insert", "([JJI[J)V", false);
            }
            default -> throw new Unsupported(null, "table method `" + t.op() + "`");
        }
        Repr r = repr(t.type());
        if (r == Repr.LONG) {
            mv.visitInsn(LCONST_0);
        } else if (r != Repr.VOID) {
            mv.visitInsn(ACONST_NULL);
        }
    }

    // ---- Expressions ----------------------------------------------------------------------------

    private void requireLong(IrExpr e, String what) {
        if (repr(e.type()) != Repr.LONG) {
            throw new Unsupported(null, what + " of type `" + e.type().display() + "` cannot be compiled yet");
        }
    }

    /** Pushes the value of {@code e} in {@code repr(e.type())}. */
    private void expr(IrExpr e) {
        switch (e) {
            case IrExpr.Const c -> constant(c.value(), c.type());
            case IrExpr.Read r -> {
                if (mode == Mode.TEST) {
                    mv.visitVarInsn(ALOAD, LOCALS_SLOT);
                    pushInt(r.local().slot());
                    mv.visitInsn(AALOAD);
                    unbox(mv, repr(r.type()));
                } else {
                    loadLocal(r.local(), repr(r.type()));
                }
            }
            case IrExpr.Load l -> load(l);
            case IrExpr.Slice s -> slice(s);
            case IrExpr.PacketLength p -> {
                requirePacket("the packet's length");
                mv.visitVarInsn(LLOAD, LEN_SLOT);
                adapt(Repr.LONG, repr(p.type()));
            }
            case IrExpr.Unary u -> unary(u);
            case IrExpr.Binary b -> binary(b);
            case IrExpr.Convert c -> convert(c);
            case IrExpr.Call c -> call(c);
            case IrExpr.Aggregate a -> aggregate(a);
            case IrExpr.Element el when shapes.exploded(el.aggregate().type()) -> {
                Repr[] reprs = shapes.partReprs(el.aggregate().type());
                int[] parts = parts(el.aggregate());
                mv.visitVarInsn(reprs[el.index()].loadOpcode(), parts[el.index()]);
                adapt(reprs[el.index()], repr(el.type()));
            }
            case IrExpr.Element el -> {
                Repr agg = repr(el.aggregate().type());
                expr(el.aggregate());
                pushInt(el.index());
                element(agg, repr(el.type()));
            }
            case IrExpr.Index ix -> index(ix);
            case IrExpr.HeaderValue h -> headerValue(h);
            case IrExpr.Stack s -> {
                int builder = newLocal(Repr.TEXT);
                mv.visitTypeInsn(NEW, SCRATCH);
                mv.visitInsn(DUP);
                mv.visitMethodInsn(INVOKESPECIAL, SCRATCH, "<init>", "()V", false);
                mv.visitVarInsn(ASTORE, builder);
                for (IrExpr part : s.parts()) {
                    if (part.type() instanceof Type.Header h) {
                        mv.visitFieldInsn(GETSTATIC, cg.owner, cg.headerFormat(h), "L" + HEADER_FORMAT + ";");
                        expr(part);
                        mv.visitVarInsn(ALOAD, builder);
                        mv.visitMethodInsn(INVOKEVIRTUAL, HEADER_FORMAT, "append", "(Ljava/lang/Object;L" + SCRATCH + ";)V",
                                false);
                    } else {
                        if (repr(part.type()) != Repr.SEG) {
                            throw new Unsupported(null, "a packet part of type `" + part.type().display() + "`");
                        }
                        mv.visitVarInsn(ALOAD, builder);
                        expr(part);
                        mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "append", "(L" + SEGMENT + ";)V", false);
                    }
                }
                mv.visitVarInsn(ALOAD, builder);
                mv.visitMethodInsn(INVOKEVIRTUAL, SCRATCH, "copy", "()L" + SEGMENT + ";", false);
            }
            case IrExpr.CounterValue c -> {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, "c$" + c.counter(), "J");
                adapt(Repr.LONG, repr(c.type()));
            }
            case IrExpr.ConnectionValue c -> {
                connectionSlot(c.slot());
                mv.visitInsn(LALOAD);
                adapt(Repr.LONG, repr(c.type()));
            }
            case IrExpr.MapOp m -> mapOp(m);
            case IrExpr.StoreOp s -> storeOp(s);
            case IrExpr.ParamValue p -> {
                Repr field = cg.paramRepr(p.param());
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, "p$" + p.param(), field.descriptor);
                adapt(field, repr(p.type()));
            }
            case IrExpr.BytesSlice s -> {
                expr(s.bytes());
                expr(s.start());
                expr(s.length());
                mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "slice", "(L" + SEGMENT + ";JJ)L" + SEGMENT + ";", false);
            }
            case IrExpr.Clock c -> {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, cg.owner, "now", "J");
            }
            case IrExpr.Length l -> {
                expr(l.bytes());
                mv.visitMethodInsn(INVOKEINTERFACE, SEGMENT, "byteSize", "()J", true);
                adapt(Repr.LONG, repr(l.type()));
            }
            case IrExpr.TableOp t -> tableOp(t);
        }
    }

    /** Pushes constant {@code value} (as the IR holds it) as a value of {@code type}. */
    private void constant(Object value, Type type) {
        Repr r = repr(type);
        switch (value) {
            case Long v when r == Repr.LONG -> pushLong(v);
            case Long v when r == Repr.VOID -> {}
            case Long v when r == Repr.BIG -> getConstant(cg.constant(BigInteger.valueOf(v)), Repr.BIG);
            case BigInteger v when r == Repr.BIG -> getConstant(cg.constant(v), Repr.BIG);
            case BigInteger v when r == Repr.LONG -> pushLong(v.longValue());
            case byte[] v when r == Repr.SEG -> getConstant(cg.constant(v), Repr.SEG);
            case String s when r == Repr.TEXT -> mv.visitLdcInsn(s);
            case List<?> parts when r == Repr.FLAT || r == Repr.OBJS -> {
                // Register nested constants first, so that <clinit> sets them before this one.
                for (int i = 0; i < parts.size(); i++) {
                    prepareConstant(parts.get(i), partType(type, i));
                }
                if (building) {
                    buildConstantList(parts, type);
                    return;
                }
                String field = cg.constantAggregate(new IrExpr.Const(value, type),
                        m -> builder(m).buildConstantList(parts, type));
                getConstant(field, r);
            }
            default -> throw new Unsupported(null, "a constant " + value + " of type `" + type.display() + "`");
        }
    }

    /** A generator for {@code <clinit>}'s code that builds a constant. */
    private MethodGen builder(MethodVisitor m) {
        MethodGen g = new MethodGen(cg, m, Mode.TEST, fn);
        g.building = true;
        return g;
    }

    private Type partType(Type aggregate, int index) {
        Type t = shapes.partType(aggregate, index);
        if (t == null) {
            throw new Unsupported(null, "a constant `" + aggregate.display() + "` whose part types are unknown");
        }
        return t;
    }

    private void prepareConstant(Object value, Type type) {
        switch (value) {
            case BigInteger v -> cg.constant(v);
            case byte[] v -> cg.constant(v);
            case Long v when repr(type) == Repr.BIG -> cg.constant(BigInteger.valueOf(v));
            case List<?> parts -> {
                for (int i = 0; i < parts.size(); i++) {
                    prepareConstant(parts.get(i), partType(type, i));
                }
            }
            default -> {}
        }
    }

    /** In {@code <clinit>}: builds an aggregate constant from its parts. */
    private void buildConstantList(List<?> parts, Type type) {
        Repr r = repr(type);
        if (r == Repr.FLAT && parts.size() >= 16 && parts.stream().allMatch(Long.class::isInstance)) {
            // A long array of numbers (a lookup table computed at build time): read from one string
            // rather than built by an instruction sequence per element, which would soon outgrow
            // the 64 KiB a method may hold.
            StringBuilder text = new StringBuilder();
            for (Object part : parts) {
                text.append(text.isEmpty() ? "" : ",").append(Long.toHexString((Long) part));
            }
            if (text.length() <= 60_000) {
                mv.visitLdcInsn(text.toString());
                mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "longs", "(Ljava/lang/String;)[J", false);
                return;
            }
        }
        pushInt(parts.size());
        if (r == Repr.FLAT) {
            mv.visitIntInsn(NEWARRAY, T_LONG);
        } else {
            mv.visitTypeInsn(ANEWARRAY, "java/lang/Object");
        }
        for (int i = 0; i < parts.size(); i++) {
            Type pt = partType(type, i);
            mv.visitInsn(DUP);
            pushInt(i);
            constant(parts.get(i), pt);
            if (r == Repr.FLAT) {
                mv.visitInsn(LASTORE);
            } else {
                box(repr(pt));
                mv.visitInsn(AASTORE);
            }
        }
    }

    private void getConstant(String field, Repr r) {
        mv.visitFieldInsn(GETSTATIC, cg.owner, field, r.descriptor);
    }

    private void load(IrExpr.Load l) {
        requirePacket("a read of a header field");
        int offset = localSlot(l.header());
        int width = l.width();
        int bytes = l.bytes();
        if (l.inPacket()) {
            checkOffset(offset, false); // valid; its bytes then lie inside the packet (MarkLoadsInPacket)
        } else {
            checkPacketRange(offset, l.byteOffset() + (long) bytes, false);
        }
        int address = address(offset, l.byteOffset());
        if (width > 64) {
            mv.visitVarInsn(ALOAD, SEG_SLOT);
            mv.visitVarInsn(LLOAD, address);
            mv.visitMethodInsn(INVOKESTATIC, BITS, "getIp6", "(L" + SEGMENT + ";J)Ljava/math/BigInteger;", false);
            adapt(Repr.BIG, repr(l.type()));
            return;
        }
        if (l.littleEndian()) {
            if (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8) {
                mv.visitVarInsn(ALOAD, SEG_SLOT);
                layout(bytes, false);
                mv.visitVarInsn(LLOAD, address);
                getSized(bytes);
            } else {
                mv.visitVarInsn(ALOAD, SEG_SLOT);
                mv.visitVarInsn(LLOAD, address);
                pushInt(width);
                mv.visitMethodInsn(INVOKESTATIC, BITS, "getLittleEndian", "(L" + SEGMENT + ";JI)J", false);
            }
        } else if (bytes > 8) {
            mv.visitVarInsn(ALOAD, SEG_SLOT);
            mv.visitVarInsn(LLOAD, address);
            pushInt(l.bitOffset());
            pushInt(width);
            mv.visitMethodInsn(INVOKESTATIC, BITS, "get", "(L" + SEGMENT + ";JII)J", false);
        } else {
            readBigEndian(address, bytes);
            int shift = bytes * 8 - l.bitOffset() - width;
            if (shift > 0) {
                pushInt(shift);
                mv.visitInsn(LUSHR);
            }
            if (l.bitOffset() > 0 && width < 64) {
                pushLong((1L << width) - 1);
                mv.visitInsn(LAND);
            }
        }
        if (dev.appl.compiler.ir.Arithmetic.signed(l.type())) {
            wrap(l.type());
        }
        adapt(Repr.LONG, repr(l.type()));
    }

    private void slice(IrExpr.Slice s) {
        requirePacket("a slice of the packet");
        int start = newLocal(Repr.LONG);
        int count = newLocal(Repr.LONG);
        expr(s.start());
        mv.visitVarInsn(LSTORE, start);
        expr(s.length());
        mv.visitVarInsn(LSTORE, count);
        // count < 0, start < 0, or start + count > length: malformed
        mv.visitVarInsn(LLOAD, count);
        mv.visitVarInsn(LLOAD, start);
        mv.visitInsn(LOR);
        mv.visitVarInsn(LLOAD, LEN_SLOT);
        mv.visitVarInsn(LLOAD, start);
        mv.visitVarInsn(LLOAD, count);
        mv.visitInsn(LADD);
        mv.visitInsn(LSUB);
        mv.visitInsn(LOR);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        malformedIf(IFLT, false);
        mv.visitVarInsn(ALOAD, SEG_SLOT);
        mv.visitVarInsn(LLOAD, BASE_SLOT);
        mv.visitVarInsn(LLOAD, start);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LLOAD, count);
        mv.visitMethodInsn(INVOKEINTERFACE, SEGMENT, "asSlice", "(JJ)L" + SEGMENT + ";", true);
    }

    private void headerValue(IrExpr.HeaderValue h) {
        requirePacket("a header value");
        Type.Header type = (Type.Header) h.type();
        int offset = localSlot(h.header());
        checkOffset(offset, false);
        int length = newLocal(Repr.LONG);
        expr(h.length());
        mv.visitVarInsn(LSTORE, length);
        mv.visitFieldInsn(GETSTATIC, cg.owner, cg.headerFormat(type), "L" + HEADER_FORMAT + ";");
        mv.visitVarInsn(ALOAD, SEG_SLOT);
        mv.visitVarInsn(LLOAD, BASE_SLOT);
        mv.visitVarInsn(LLOAD, LEN_SLOT);
        mv.visitVarInsn(LLOAD, offset);
        mv.visitVarInsn(LLOAD, length);
        mv.visitMethodInsn(INVOKEVIRTUAL, HEADER_FORMAT, "read", "(L" + SEGMENT + ";JJJJ)Ljava/lang/Object;", false);
        mv.visitTypeInsn(CHECKCAST, repr(type).boxClass);
    }

    private void unary(IrExpr.Unary u) {
        Repr operand = repr(u.operand().type());
        switch (u.op()) {
            case NEG -> {
                expr(u.operand());
                adapt(operand, Repr.LONG);
                mv.visitInsn(LNEG);
                wrap(u.type());
            }
            case BIT_NOT -> {
                expr(u.operand());
                if (operand == Repr.BIG) {
                    mv.visitMethodInsn(INVOKESTATIC, BITS, "notIp6", "(Ljava/math/BigInteger;)Ljava/math/BigInteger;", false);
                    adapt(Repr.BIG, repr(u.type()));
                    return;
                }
                adapt(operand, Repr.LONG);
                pushLong(-1);
                mv.visitInsn(LXOR);
                wrap(u.type());
            }
            case NOT -> {
                booleanValue(u);
                return;
            }
        }
        adapt(Repr.LONG, repr(u.type()));
    }

    private void binary(IrExpr.Binary b) {
        BinaryOp op = b.op();
        if (op == BinaryOp.AND || op == BinaryOp.OR || op.isComparison()) {
            booleanValue(b);
            return;
        }
        Repr left = repr(b.left().type());
        Repr right = repr(b.right().type());
        if (left != Repr.LONG || right != Repr.LONG) {
            if (left == Repr.BIG && right == Repr.BIG && (op == BinaryOp.BIT_AND || op == BinaryOp.BIT_OR
                    || op == BinaryOp.BIT_XOR)) {
                expr(b.left());
                expr(b.right());
                String method = switch (op) {
                    case BIT_AND -> "and";
                    case BIT_OR -> "or";
                    default -> "xor";
                };
                mv.visitMethodInsn(INVOKEVIRTUAL, "java/math/BigInteger", method,
                        "(Ljava/math/BigInteger;)Ljava/math/BigInteger;", false);
                adapt(Repr.BIG, repr(b.type()));
                return;
            }
            throw new Unsupported(null, "operator `" + op.symbol + "` on `" + b.left().type().display() + "`");
        }
        Type operand = dev.appl.compiler.ir.Arithmetic.operandType(b.left(), b.right());
        boolean signed = dev.appl.compiler.ir.Arithmetic.signed(operand);
        int width = dev.appl.compiler.ir.Arithmetic.width(operand);
        Type result = b.type();
        switch (op) {
            case ADD, SUB, MUL -> {
                expr(b.left());
                expr(b.right());
                mv.visitInsn(op == BinaryOp.ADD ? LADD : op == BinaryOp.SUB ? LSUB : LMUL);
                wrap(result);
            }
            case BIT_AND, BIT_OR, BIT_XOR -> {
                expr(b.left());
                expr(b.right());
                mv.visitInsn(op == BinaryOp.BIT_AND ? LAND : op == BinaryOp.BIT_OR ? LOR : LXOR);
            }
            case DIV, MOD -> {
                int a = newLocal(Repr.LONG);
                int d = newLocal(Repr.LONG);
                expr(b.left());
                mv.visitVarInsn(LSTORE, a);
                expr(b.right());
                mv.visitVarInsn(LSTORE, d);
                Label zero = new Label();
                Label end = new Label();
                mv.visitVarInsn(LLOAD, d);
                mv.visitInsn(LCONST_0);
                mv.visitInsn(LCMP);
                mv.visitJumpInsn(IFEQ, zero);
                mv.visitVarInsn(LLOAD, a);
                mv.visitVarInsn(LLOAD, d);
                if (signed) {
                    mv.visitInsn(op == BinaryOp.DIV ? LDIV : LREM);
                } else {
                    mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", op == BinaryOp.DIV ? "divideUnsigned"
                            : "remainderUnsigned", "(JJ)J", false);
                }
                wrap(result);
                mv.visitJumpInsn(GOTO, end);
                mv.visitLabel(zero);
                // x / 0 is 0 and x % 0 is x, unwrapped, as in the interpreter.
                if (op == BinaryOp.DIV) {
                    mv.visitInsn(LCONST_0);
                } else {
                    mv.visitVarInsn(LLOAD, a);
                }
                mv.visitLabel(end);
            }
            case SHL, SHR -> {
                int a = newLocal(Repr.LONG);
                int n = newLocal(Repr.LONG);
                expr(b.left());
                mv.visitVarInsn(LSTORE, a);
                expr(b.right());
                mv.visitVarInsn(LSTORE, n);
                Label wide = new Label();
                Label end = new Label();
                // n >= width, unsigned
                mv.visitVarInsn(LLOAD, n);
                pushLong(width);
                mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
                mv.visitJumpInsn(IFGE, wide);
                mv.visitVarInsn(LLOAD, a);
                mv.visitVarInsn(LLOAD, n);
                mv.visitInsn(L2I);
                mv.visitInsn(op == BinaryOp.SHL ? LSHL : signed ? LSHR : LUSHR);
                wrap(result);
                mv.visitJumpInsn(GOTO, end);
                mv.visitLabel(wide);
                if (op == BinaryOp.SHR && signed) {
                    // a >> (n >= width) is -1 for a negative a, else 0: a >> 63
                    mv.visitVarInsn(LLOAD, a);
                    pushInt(63);
                    mv.visitInsn(LSHR);
                } else {
                    mv.visitInsn(LCONST_0);
                }
                mv.visitLabel(end);
            }
            default -> throw new IllegalStateException("operator " + op);
        }
        adapt(Repr.LONG, repr(result));
    }

    /** Pushes 1 or 0 for a condition. */
    private void booleanValue(IrExpr e) {
        Label no = new Label();
        Label end = new Label();
        jump(e, false, no);
        mv.visitInsn(LCONST_1);
        mv.visitJumpInsn(GOTO, end);
        mv.visitLabel(no);
        mv.visitInsn(LCONST_0);
        mv.visitLabel(end);
        adapt(Repr.LONG, repr(e.type()));
    }

    /** Jumps to {@code target} when the truth of {@code e} (non-zero) is {@code when}; else falls through. */
    private void jump(IrExpr e, boolean when, Label target) {
        if (e instanceof IrExpr.Unary u && u.op() == dev.appl.language.ast.Expr.UnaryOp.NOT) {
            jump(u.operand(), !when, target);
            return;
        }
        if (e instanceof IrExpr.Binary b && (b.op() == BinaryOp.AND || b.op() == BinaryOp.OR)) {
            boolean and = b.op() == BinaryOp.AND;
            if (and != when) {
                // and, jump when false / or, jump when true: either side decides
                jump(b.left(), when, target);
                jump(b.right(), when, target);
            } else {
                Label skip = new Label();
                jump(b.left(), !when, skip);
                jump(b.right(), when, target);
                mv.visitLabel(skip);
            }
            return;
        }
        if (e instanceof IrExpr.Binary b && b.op().isComparison()) {
            compare(b, when, target);
            return;
        }
        expr(e);
        adapt(repr(e.type()), Repr.LONG);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(when ? IFNE : IFEQ, target);
    }

    private void compare(IrExpr.Binary b, boolean when, Label target) {
        BinaryOp op = b.op();
        Repr left = repr(b.left().type());
        Repr right = repr(b.right().type());
        if (left == Repr.LONG && right == Repr.LONG) {
            expr(b.left());
            expr(b.right());
            boolean signed = dev.appl.compiler.ir.Arithmetic.signed(
                    dev.appl.compiler.ir.Arithmetic.operandType(b.left(), b.right()));
            if (signed || op == BinaryOp.EQ || op == BinaryOp.NE) {
                mv.visitInsn(LCMP);
            } else {
                mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
            }
        } else if (op == BinaryOp.EQ || op == BinaryOp.NE) {
            expr(b.left());
            box(left);
            expr(b.right());
            box(right);
            mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "equal", "(Ljava/lang/Object;Ljava/lang/Object;)Z", false);
            // equal is 1 when equal: as a comparison result, 0 means equal
            mv.visitInsn(ICONST_M1);
            mv.visitInsn(org.objectweb.asm.Opcodes.IADD);
        } else if (left == Repr.BIG && right == Repr.BIG) {
            expr(b.left());
            expr(b.right());
            mv.visitMethodInsn(INVOKEVIRTUAL, "java/math/BigInteger", "compareTo", "(Ljava/math/BigInteger;)I", false);
        } else {
            throw new Unsupported(null, "operator `" + op.symbol + "` on `" + b.left().type().display() + "`");
        }
        // The int on the stack compares with 0 as the operands do.
        int jump = switch (op) {
            case EQ -> when ? IFEQ : IFNE;
            case NE -> when ? IFNE : IFEQ;
            case LT -> when ? IFLT : IFGE;
            case LE -> when ? IFLE : IFGT;
            case GT -> when ? IFGT : IFLE;
            case GE -> when ? IFGE : IFLT;
            default -> throw new IllegalStateException("comparison " + op);
        };
        mv.visitJumpInsn(jump, target);
    }

    private void convert(IrExpr.Convert c) {
        Repr from = repr(c.value().type());
        Repr to = repr(c.type());
        expr(c.value());
        if (from == Repr.BIG) {
            if (to == Repr.BIG) {
                return;
            }
            mv.visitMethodInsn(INVOKEVIRTUAL, "java/math/BigInteger", "longValue", "()J", false);
            wrap(c.type());
            adapt(Repr.LONG, to);
            return;
        }
        if (from != Repr.LONG || to != Repr.LONG) {
            throw new Unsupported(null, "a conversion from `" + c.value().type().display() + "` to `"
                    + c.type().display() + "`");
        }
        wrap(c.type());
    }

    private void call(IrExpr.Call c) {
        IrFunction f = c.function();
        invoke(c);
        if (shapes.exploded(f.result())) {
            materialize(resultParts(f), f.result());
        }
        adapt(repr(f.result()), repr(c.type()));
    }

    /** Calls a function; a scalar-replaced argument goes part by part, a scalar-replaced result stays in its fields. */
    private void invoke(IrExpr.Call c) {
        IrFunction f = c.function();
        mv.visitVarInsn(ALOAD, 0);
        for (int i = 0; i < c.args().size(); i++) {
            IrExpr arg = c.args().get(i);
            Type param = f.params().get(i).type();
            if (shapes.exploded(param)) {
                int[] parts = parts(arg);
                Repr[] reprs = shapes.partReprs(param);
                for (int j = 0; j < parts.length; j++) {
                    mv.visitVarInsn(reprs[j].loadOpcode(), parts[j]);
                }
                continue;
            }
            expr(arg);
            adapt(repr(arg.type()), repr(param));
        }
        mv.visitMethodInsn(INVOKESPECIAL, cg.owner, cg.functionName(f), cg.functionDescriptor(f), false);
    }

    /** Right after a call of {@code f}: its scalar-replaced result, copied from its fields into new locals. */
    private int[] resultParts(IrFunction f) {
        Repr[] reprs = shapes.partReprs(f.result());
        int[] out = new int[reprs.length];
        for (int i = 0; i < reprs.length; i++) {
            out[i] = newLocal(reprs[i]);
            mv.visitVarInsn(ALOAD, 0);
            mv.visitFieldInsn(GETFIELD, cg.owner, cg.resultField(f, i), reprs[i].descriptor);
            mv.visitVarInsn(reprs[i].storeOpcode(), out[i]);
        }
        return out;
    }

    // ---- Scalar replacement ---------------------------------------------------------------------

    /**
     * Evaluates a value of a scalar-replaced type ({@link Shapes#exploded}) into one JVM local per
     * part and returns their slots, which the caller only reads: a scalar-replaced local gives its
     * own. Building a struct or header, reading a local and calling a function allocate nothing;
     * any other expression is evaluated as an array and taken apart.
     */
    private int[] parts(IrExpr e) {
        Type t = e.type();
        Repr[] reprs = shapes.partReprs(t);
        if (e instanceof IrExpr.Read r && isExploded(r.local())) {
            return partSlots[r.local().slot()];
        }
        if (e instanceof IrExpr.Call c && shapes.exploded(c.function().result())) {
            invoke(c);
            return resultParts(c.function());
        }
        int[] out = new int[reprs.length];
        for (int i = 0; i < reprs.length; i++) {
            out[i] = newLocal(reprs[i]);
        }
        if (e instanceof IrExpr.Aggregate a && a.parts().size() == reprs.length) {
            for (int i = 0; i < reprs.length; i++) {
                IrExpr part = a.parts().get(i);
                expr(part);
                adapt(repr(part.type()), reprs[i]);
                mv.visitVarInsn(reprs[i].storeOpcode(), out[i]);
            }
            return out;
        }
        if (e instanceof IrExpr.Const c && c.value() instanceof List<?> values && values.size() == reprs.length) {
            for (int i = 0; i < reprs.length; i++) {
                constant(values.get(i), partType(t, i));
                mv.visitVarInsn(reprs[i].storeOpcode(), out[i]);
            }
            return out;
        }
        expr(e);
        unpack(out, t);
        return out;
    }

    /** Pushes an array holding the parts in {@code parts} (a value of type {@code t} where a whole value is needed). */
    private void materialize(int[] parts, Type t) {
        Repr r = repr(t);
        Repr[] reprs = shapes.partReprs(t);
        pushInt(parts.length);
        if (r == Repr.FLAT) {
            mv.visitIntInsn(NEWARRAY, T_LONG);
        } else {
            mv.visitTypeInsn(ANEWARRAY, "java/lang/Object");
        }
        for (int i = 0; i < parts.length; i++) {
            mv.visitInsn(DUP);
            pushInt(i);
            mv.visitVarInsn(reprs[i].loadOpcode(), parts[i]);
            if (r == Repr.FLAT) {
                adapt(reprs[i], Repr.LONG);
                mv.visitInsn(LASTORE);
            } else {
                box(reprs[i]);
                mv.visitInsn(AASTORE);
            }
        }
    }

    /** Stores the parts of the array on the stack (a value of type {@code t}) into the locals {@code parts}. */
    private void unpack(int[] parts, Type t) {
        Repr r = repr(t);
        Repr[] reprs = shapes.partReprs(t);
        int array = newLocal(r);
        mv.visitVarInsn(ASTORE, array);
        for (int i = 0; i < parts.length; i++) {
            mv.visitVarInsn(ALOAD, array);
            pushInt(i);
            element(r, reprs[i]);
            mv.visitVarInsn(reprs[i].storeOpcode(), parts[i]);
        }
    }

    /** {@code target = value} for a scalar-replaced local: part by part, through new locals when value reads target. */
    private void assignParts(IrStmt.Assign a) {
        IrLocal target = a.target();
        int[] own = partSlots[target.slot()];
        Repr[] reprs = shapes.partReprs(target.type());
        int[] from = parts(a.value());
        if (from == own) {
            return;
        }
        for (int i = 0; i < own.length; i++) {
            mv.visitVarInsn(reprs[i].loadOpcode(), from[i]);
            if (copyStoredBytes && reprs[i] == Repr.SEG && mayViewPacket(a.value(), i)) {
                copyBytes(Repr.SEG);
            }
            mv.visitVarInsn(reprs[i].storeOpcode(), own[i]);
        }
    }

    /**
     * Whether part {@code i} of {@code value} may be a view of the packet: not when it is a
     * constant, or read from a local (which holds a copy already in a handler that writes the packet,
     * or a view of a store; unless it keeps a view until the packet changes, {@link #viewsSafe}), or
     * a slice of one of those.
     */
    private boolean mayViewPacket(IrExpr value, int i) {
        if (value instanceof IrExpr.Read r) {
            return viewLocals.contains(r.local());
        }
        if (value instanceof IrExpr.Const) {
            return false;
        }
        if (value instanceof IrExpr.BytesSlice s) {
            return mayViewPacket(s.bytes(), i); // a slice views what the bytes it slices view
        }
        if (value instanceof IrExpr.Aggregate a) {
            IrExpr part = a.parts().get(i);
            return !(part instanceof IrExpr.Const || part instanceof IrExpr.Read r && !viewLocals.contains(r.local()));
        }
        return true;
    }

    /** {@code target.i = value} for a scalar-replaced local and a constant index: one local written. */
    private void assignOnePart(IrStmt.AssignPart a) {
        int i = ((Long) ((IrExpr.Const) a.path().getFirst()).value()).intValue();
        Repr part = shapes.partReprs(a.target().type())[i];
        expr(a.value());
        adapt(repr(a.value().type()), part);
        if (copyStoredBytes && shapes.containsBytes(a.value().type())) {
            copyBytes(part);
        }
        mv.visitVarInsn(part.storeOpcode(), partSlots[a.target().slot()][i]);
    }

    private void aggregate(IrExpr.Aggregate a) {
        Repr r = repr(a.type());
        if (r != Repr.FLAT && r != Repr.OBJS) {
            throw new Unsupported(null, "a value of type `" + a.type().display() + "` built from parts");
        }
        if (!building && a.parts().stream().allMatch(p -> p instanceof IrExpr.Const)) {
            List<Object> values = a.parts().stream().map(p -> ((IrExpr.Const) p).value()).toList();
            for (IrExpr p : a.parts()) {
                prepareConstant(((IrExpr.Const) p).value(), p.type());
            }
            String field = cg.constantAggregate(a, m -> builder(m).buildAggregate(a));
            getConstant(field, r);
            return;
        }
        buildAggregate(a);
    }

    private void buildAggregate(IrExpr.Aggregate a) {
        Repr r = repr(a.type());
        pushInt(a.parts().size());
        if (r == Repr.FLAT) {
            mv.visitIntInsn(NEWARRAY, T_LONG);
        } else {
            mv.visitTypeInsn(ANEWARRAY, "java/lang/Object");
        }
        for (int i = 0; i < a.parts().size(); i++) {
            IrExpr part = a.parts().get(i);
            mv.visitInsn(DUP);
            pushInt(i);
            expr(part);
            if (r == Repr.FLAT) {
                adapt(repr(part.type()), Repr.LONG);
                mv.visitInsn(LASTORE);
            } else {
                box(repr(part.type()));
                mv.visitInsn(AASTORE);
            }
        }
    }

    /** Stack: aggregate, int index: replaces them by the part, in {@code part}. */
    private void element(Repr aggregate, Repr part) {
        if (aggregate == Repr.FLAT) {
            mv.visitInsn(LALOAD);
            adapt(Repr.LONG, part);
        } else if (aggregate == Repr.OBJS) {
            mv.visitInsn(AALOAD);
            unbox(mv, part);
        } else {
            throw new Unsupported(null, "a part of a value that is not a struct, header or array");
        }
    }

    private void index(IrExpr.Index ix) {
        Repr target = repr(ix.target().type());
        if (target == Repr.SEG) {
            expr(ix.target());
            expr(ix.index());
            mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "byteAt", "(L" + SEGMENT + ";J)J", false);
            adapt(Repr.LONG, repr(ix.type()));
            return;
        }
        int array = newLocal(target);
        int index = newLocal(Repr.LONG);
        expr(ix.target());
        mv.visitVarInsn(ASTORE, array);
        expr(ix.index());
        mv.visitVarInsn(LSTORE, index);
        checkIndex(array, index);
        mv.visitVarInsn(ALOAD, array);
        mv.visitVarInsn(LLOAD, index);
        mv.visitInsn(L2I);
        element(target, repr(ix.type()));
    }

    // ---- Values ---------------------------------------------------------------------------------

    private int localSlot(IrLocal l) {
        if (mode == Mode.TEST) {
            throw new Unsupported(null, "a header of the packet in a test");
        }
        return slots[l.slot()];
    }

    private void loadLocal(IrLocal l, Repr r) {
        Repr own = repr(l.type());
        if (isExploded(l)) {
            materialize(partSlots[l.slot()], l.type());
            adapt(own, r);
            return;
        }
        if (own != Repr.VOID) {
            mv.visitVarInsn(own.loadOpcode(), localSlot(l));
        }
        adapt(own, r);
    }

    /** Stores the value on the stack (in {@code r}) into a local. */
    private void storeLocal(IrLocal l, Repr r) {
        Repr own = repr(l.type());
        adapt(r, own);
        if (isExploded(l)) {
            unpack(partSlots[l.slot()], l.type());
            return;
        }
        if (own != Repr.VOID) {
            mv.visitVarInsn(own.storeOpcode(), localSlot(l));
        }
    }

    /**
     * Converts the value on the stack from one representation to another where the IR's types
     * differ but the values agree (a void value dropped, a number boxed as an object); anything
     * else is a bug in the IR or here.
     */
    private void adapt(Repr from, Repr to) {
        if (from == to) {
            return;
        }
        if (to == Repr.VOID) {
            pop(from);
            return;
        }
        if (from == Repr.VOID) {
            if (to == Repr.LONG) {
                mv.visitInsn(LCONST_0);
            } else {
                mv.visitInsn(ACONST_NULL);
            }
            return;
        }
        if (to == Repr.TEXT) {
            box(from);
            return;
        }
        if (from == Repr.TEXT) {
            unbox(mv, to);
            return;
        }
        throw new Unsupported(null, "a " + from + " value where a " + to + " value is needed");
    }

    /** Pushes 0, or null for a reference. */
    private void zero(Repr r) {
        if (r == Repr.LONG) {
            mv.visitInsn(LCONST_0);
        } else if (r != Repr.VOID) {
            mv.visitInsn(ACONST_NULL);
        }
    }

    private void pop(Repr r) {
        if (r == Repr.LONG) {
            mv.visitInsn(POP2);
        } else if (r != Repr.VOID) {
            mv.visitInsn(POP);
        }
    }

    private void box(Repr r) {
        switch (r) {
            case LONG -> mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "valueOf", "(J)Ljava/lang/Long;", false);
            case VOID -> mv.visitInsn(ACONST_NULL);
            default -> {}
        }
    }

    static void unbox(MethodVisitor mv, Repr r) {
        switch (r) {
            case LONG -> {
                mv.visitTypeInsn(CHECKCAST, "java/lang/Long");
                mv.visitMethodInsn(INVOKEVIRTUAL, "java/lang/Long", "longValue", "()J", false);
            }
            case VOID -> mv.visitInsn(POP);
            case TEXT -> {}
            default -> mv.visitTypeInsn(CHECKCAST, r.boxClass);
        }
    }

    /** Wraps the long on the stack to the width of type {@code t}, as {@code Arithmetic.wrap}. */
    private void wrap(Type t) {
        if (t instanceof Type.Int(int width, boolean signed) && width < 64) {
            if (signed) {
                pushInt(64 - width);
                mv.visitInsn(LSHL);
                pushInt(64 - width);
                mv.visitInsn(LSHR);
            } else {
                pushLong((1L << width) - 1);
                mv.visitInsn(LAND);
            }
        } else if (t instanceof Type.Address a && a.bits() < 64) {
            pushLong((1L << a.bits()) - 1);
            mv.visitInsn(LAND);
        } else if (t instanceof Type.Bool) {
            mv.visitInsn(LCONST_1);
            mv.visitInsn(LAND);
        }
    }

    private void pushLong(long v) {
        pushLong(mv, v);
    }

    private void pushInt(int v) {
        pushInt(mv, v);
    }

    static void pushLong(MethodVisitor mv, long v) {
        if (v == 0) {
            mv.visitInsn(LCONST_0);
        } else if (v == 1) {
            mv.visitInsn(LCONST_1);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            pushInt(mv, (int) v);
            mv.visitInsn(I2L);
        } else {
            mv.visitLdcInsn(v);
        }
    }

    static void pushInt(MethodVisitor mv, int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }

}
