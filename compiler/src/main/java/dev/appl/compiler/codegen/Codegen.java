package dev.appl.compiler.codegen;

import static org.objectweb.asm.Opcodes.AALOAD;
import static org.objectweb.asm.Opcodes.ACC_FINAL;
import static org.objectweb.asm.Opcodes.ACC_PRIVATE;
import static org.objectweb.asm.Opcodes.ACC_PUBLIC;
import static org.objectweb.asm.Opcodes.ACC_STATIC;
import static org.objectweb.asm.Opcodes.ACC_SUPER;
import static org.objectweb.asm.Opcodes.ACC_SYNTHETIC;
import static org.objectweb.asm.Opcodes.ACONST_NULL;
import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.ARETURN;
import static org.objectweb.asm.Opcodes.ATHROW;
import static org.objectweb.asm.Opcodes.CHECKCAST;
import static org.objectweb.asm.Opcodes.DUP;
import static org.objectweb.asm.Opcodes.GETFIELD;
import static org.objectweb.asm.Opcodes.GETSTATIC;
import static org.objectweb.asm.Opcodes.GOTO;
import static org.objectweb.asm.Opcodes.I2L;
import static org.objectweb.asm.Opcodes.IADD;
import static org.objectweb.asm.Opcodes.ICONST_0;
import static org.objectweb.asm.Opcodes.ICONST_1;
import static org.objectweb.asm.Opcodes.IFNONNULL;
import static org.objectweb.asm.Opcodes.IFNULL;
import static org.objectweb.asm.Opcodes.IF_ICMPGE;
import static org.objectweb.asm.Opcodes.IF_ICMPNE;
import static org.objectweb.asm.Opcodes.ILOAD;
import static org.objectweb.asm.Opcodes.INVOKEINTERFACE;
import static org.objectweb.asm.Opcodes.INVOKESPECIAL;
import static org.objectweb.asm.Opcodes.INVOKESTATIC;
import static org.objectweb.asm.Opcodes.INVOKEVIRTUAL;
import static org.objectweb.asm.Opcodes.IRETURN;
import static org.objectweb.asm.Opcodes.ISTORE;
import static org.objectweb.asm.Opcodes.L2I;
import static org.objectweb.asm.Opcodes.LALOAD;
import static org.objectweb.asm.Opcodes.LASTORE;
import static org.objectweb.asm.Opcodes.LCONST_0;
import static org.objectweb.asm.Opcodes.LLOAD;
import static org.objectweb.asm.Opcodes.LRETURN;
import static org.objectweb.asm.Opcodes.NEW;
import static org.objectweb.asm.Opcodes.NEWARRAY;
import static org.objectweb.asm.Opcodes.POP;
import static org.objectweb.asm.Opcodes.PUTFIELD;
import static org.objectweb.asm.Opcodes.PUTSTATIC;
import static org.objectweb.asm.Opcodes.RETURN;
import static org.objectweb.asm.Opcodes.T_LONG;
import static org.objectweb.asm.Opcodes.V25;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.compiler.ir.IrWalk;
import dev.appl.compiler.ir.IrTest;
import dev.appl.compiler.lower.Unsupported;
import dev.appl.compiler.passes.InlineFunctions;
import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Note;
import dev.appl.language.diag.Span;
import dev.appl.language.ast.Decl;
import dev.appl.language.types.HeaderLayout;
import dev.appl.language.types.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.objectweb.asm.ClassTooLargeException;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.LimitExceededException;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;

/**
 * The bytecode backend: turns an appliance's IR into one final class that implements
 * {@link dev.appl.runtime.kernel.Kernel}. Each handler becomes a method that reads and writes the
 * packet in place through {@code MemorySegment} accessors with static final big-endian layouts;
 * each IR function a private method; counters, params, maps and run-time tables fields. The
 * generated code follows the reference interpreter step by step, so that both give the same
 * packets, fates and state for every input.
 *
 * <p>The same IR always gives the same bytes: everything is emitted in the IR's list order, and no
 * hash order or time reaches the class.
 *
 * <p>Layout of the class ({@code dev.appl.gen.<Appliance>}):
 * <ul>
 *   <li>{@code c$i} counters, {@code p$i} params, {@code m$i} maps ({@code FlowMap}, or
 *       {@code SharedFlowMap} for a {@code shared} map, which {@code shareMaps} replaces by the
 *       first worker's), {@code t$i}
 *       run-time table entries ({@code EntryTable}) with {@code k$i}/{@code d$i} scratch arrays for
 *       their keys and data and {@code b$i} their bytes data ({@code BlobPool}),
 *       {@code mk$i}/{@code mv$i} scratch arrays for map i's struct keys and
 *       values, {@code r$f$j} part j of the scalar-replaced result of function f, {@code s$i}
 *       stores ({@code BlockStore}, {@code LogStore}, {@code KvStore}, opened by
 *       {@code openStores} and closed by {@code closeStores}), {@code now} the clock,
 *       {@code scratch} a byte buffer for push and reply;
 *   <li>{@code h$i(PacketView)int} handler i of {@code ir.handlers} ({@code h$i()V} for a timer);
 *       {@code f$i$name} function i of {@code ir.functions}, a private instance method because
 *       functions may read params; {@code fr$p(int, MemorySegment, long, long)int} the frame size
 *       of stream port p, framed by a header; {@code te$i} test expression i (with tests only);
 *   <li>static finals: the byte-order layouts, one {@code HeaderFormat} per header built or read
 *       whole, constants ({@code K$i}: ip6 values, bytes, constant aggregates).
 * </ul>
 */
public final class Codegen {
    /** The package generated classes are in. */
    public static final String PACKAGE = "dev.appl.gen";

    static final String KERNEL = "dev/appl/runtime/kernel/Kernel";
    static final String VIEW = "dev/appl/runtime/kernel/PacketView";
    static final String FLOW_MAP = "dev/appl/runtime/kernel/FlowMap";
    static final String SHARED_FLOW_MAP = "dev/appl/runtime/kernel/SharedFlowMap";
    static final String ENTRY_TABLE = "dev/appl/runtime/kernel/EntryTable";
    static final String TABLE_ENTRY = "dev/appl/runtime/kernel/TableEntry";
    static final String SCRATCH = "dev/appl/runtime/kernel/ByteScratch";
    static final String HEADER_FORMAT = "dev/appl/runtime/kernel/HeaderFormat";
    static final String MALFORMED = "dev/appl/runtime/kernel/MalformedPacket";
    static final String PACKETS = "dev/appl/runtime/kernel/Packets";
    static final String BITS = "dev/appl/runtime/kernel/Bits";
    static final String AGGREGATES = "dev/appl/runtime/kernel/Aggregates";
    static final String SEGMENT = "java/lang/foreign/MemorySegment";
    static final String STORE_OPS = "dev/appl/runtime/kernel/StoreOps";
    static final String BLOCK_STORE = "dev/appl/runtime/store/BlockStore";
    static final String LOG_STORE = "dev/appl/runtime/store/LogStore";
    static final String KV_STORE = "dev/appl/runtime/store/KvStore";
    static final String FRAMING = "dev/appl/runtime/kernel/Framing";
    /** A frame size method: port, buffer, the frame's offset, the header's length. */
    private static final String FRAME_SIZE = "(IL" + SEGMENT + ";JJ)I";
    static final String BLOB_POOL = "dev/appl/runtime/kernel/BlobPool";
    static final String TEST_EVALUATOR = "dev/appl/compiler/codegen/TestEvaluator";

    /** A generated class: its binary name, its bytes, and (with tests) the test expressions it evaluates. */
    public record Generated(String className, byte[] bytes, List<IrExpr> testExpressions) {}

    final IrAppliance ir;
    final Shapes shapes;
    final String owner;
    private final boolean withTests;
    private final ClassWriter cw;

    /** Static final fields and how {@code <clinit>} sets each, in the order they were asked for. */
    private final List<Consumer<MethodVisitor>> staticInits = new ArrayList<>();
    private final Map<String, String> constantFields = new HashMap<>();
    private final Map<Decl.Header, String> formatFields = new IdentityHashMap<>();
    private final Map<IrExpr, String> aggregateFields = new IdentityHashMap<>();
    private final Map<List<Object>, String> constantValueFields = new HashMap<>();
    private int staticCount;
    final List<IrExpr> testExpressions = new ArrayList<>();

    private Codegen(IrAppliance ir, boolean withTests) {
        this.ir = ir;
        this.shapes = new Shapes(ir);
        this.owner = PACKAGE.replace('.', '/') + "/" + javaName(ir.name());
        this.withTests = withTests;
        this.cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                // Locals and stack slots keep one type each, so merges only ever meet equal types.
                return a.equals(b) ? a : "java/lang/Object";
            }
        };
        // ASM bounds the work of computing frames to guard against hostile input; this class is
        // ours, and a big handler (every local live in every block) needs more than the default.
        cw.setComputeLimits(COMPUTE_BYTES, COMPUTE_OPERATIONS);
    }

    /** What computing one method's frames may take: 256 MiB of frame arrays, 4 billion steps. */
    private static final int COMPUTE_BYTES = 256 << 20;
    private static final long COMPUTE_OPERATIONS = 4_000_000_000L;

    /** The class for {@code ir}, without its tests: what an image ships. */
    public static Generated generate(IrAppliance ir) {
        return generate(ir, false);
    }

    /**
     * @param withTests also compile the expressions of the test blocks ({@link TestEvaluator})
     * @throws Unsupported for a construct the backend cannot compile yet
     * @throws TooLargeForJvm for a handler, function or appliance that breaks a limit of the JVM
     */
    public static Generated generate(IrAppliance ir, boolean withTests) {
        Codegen cg = new Codegen(ir, withTests);
        try {
            byte[] bytes = cg.run();
            return new Generated(cg.owner.replace('/', '.'), bytes, List.copyOf(cg.testExpressions));
        } catch (MethodTooLargeException e) {
            throw cg.tooLarge(cg.origins.get(e.getMethodName()), "it compiles to "
                    + String.format("%,d", e.getCodeSize()) + " bytes of bytecode, and a JVM method holds at most 65,535");
        } catch (LimitExceededException e) {
            // ASM bounds the work of computing a method's stack map frames, which grows with its
            // locals times its branches: a method near the code limit with many locals passes it.
            throw cg.tooLarge(cg.current, cg.current == null ? "its stack map frames are too large to compute"
                    : "its " + String.format("%,d", cg.current.locals().size())
                            + " locals across its branches are too many to compute its stack map frames");
        } catch (ClassTooLargeException e) {
            throw cg.tooLarge(null, "its class needs " + String.format("%,d", e.getConstantPoolCount())
                    + " constants (names, numbers and byte strings of its code), and a class holds at most 65,535");
        }
    }

    /**
     * The methods made from the spec's handlers, functions, frame sizes and test expressions, by
     * name: a method that turns out too large for the JVM is reported at what it was made from.
     */
    private final Map<String, IrFunction> origins = new HashMap<>();
    /** The function whose method is being generated, or null for the kernel's own methods. */
    private IrFunction current;

    /** A method made from {@code fn}: the code {@code body} generates counts as {@code fn}'s. */
    private void method(String name, IrFunction fn, Runnable body) {
        origins.put(name, fn);
        current = fn;
        body.run();
        current = null;
    }

    /**
     * The error for code of {@code fn} (null: the whole appliance) that breaks a limit of the JVM,
     * at the place the spec declares it, with a note on how to split the work.
     */
    private RuntimeException tooLarge(IrFunction fn, String why) {
        return tooLarge(fn, why, fn == null
                ? "split the appliance, or move large constant data into a table loaded from a rules file"
                : "each handler and function becomes one JVM method: move parts of the work into functions;"
                        + " a function of more than " + InlineFunctions.MAX_STATEMENTS + " statements stays a method"
                        + " of its own, smaller ones are expanded where they are called");
    }

    /** The same with the note {@code how}. */
    private RuntimeException tooLarge(IrFunction fn, String why, String how) {
        Span span = fn != null && fn.span() != null ? fn.span() : ir.span();
        String what = fn == null ? "appliance `" + ir.name() + "`" : switch (fn.kind()) {
            case HANDLER -> "this handler";
            case FUNCTION -> "function `" + fn.name() + "`";
            case TEST -> "an expression of this test";
            case FRAMING -> "the frame size of this port";
        };
        if (span == null) {
            return new Unsupported(null, what + " of `" + ir.name() + "` is too large for the JVM: " + why);
        }
        return new TooLargeForJvm(Diagnostic.of(DiagnosticCode.TOO_LARGE_FOR_JVM, span, what, why)
                .withNote(Note.plain(how)));
    }

    static String javaName(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(i == 0 ? (Character.isJavaIdentifierStart(c) ? c : '_')
                    : (Character.isJavaIdentifierPart(c) ? c : '_'));
        }
        return out.isEmpty() ? "Appliance" : out.toString();
    }

    private byte[] run() {
        String[] interfaces = withTests ? new String[] {KERNEL, TEST_EVALUATOR} : new String[] {KERNEL};
        cw.visit(V25, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, owner, null, "java/lang/Object", interfaces);
        cw.visitSource(ir.name() + ".appl", null);
        fields();
        constructor();
        storeMethods();
        kernelMethods();
        for (int i = 0; i < ir.handlers.size(); i++) {
            IrAppliance.Handler h = ir.handlers.get(i);
            boolean timer = h.event().equals("timer");
            if (timer) {
                MethodVisitor mv = cw.visitMethod(ACC_PRIVATE, "h$" + i, "()V", null, null);
                method("h$" + i, h.function(), () -> new MethodGen(this, mv, MethodGen.Mode.TIMER, h.function()).body());
                continue;
            }
            handler("h$" + i, h.function());
        }
        for (int i = 0; i < ir.functions.size(); i++) {
            IrFunction f = ir.functions.get(i);
            String descriptor = functionDescriptor(f);
            int slots = (org.objectweb.asm.Type.getArgumentsAndReturnSizes(descriptor) >> 2); // with `this`
            if (slots > 255) {
                throw tooLarge(f, "its parameters take " + slots + " slots with the kernel's own (a struct takes one"
                        + " per field, a u64 two), and a JVM method takes at most 255",
                        "split it into functions that each take part of the values");
            }
            MethodVisitor mv = cw.visitMethod(ACC_PRIVATE, functionName(f), descriptor, null, null);
            method(functionName(f), f, () -> new MethodGen(this, mv, MethodGen.Mode.FUNCTION, f).body());
        }
        if (withTests) {
            tests();
        }
        pieceFields.forEach((name, descriptor) -> cw.visitField(ACC_PRIVATE, name, descriptor, null, null).visitEnd());
        staticInitializer();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /**
     * A packet handler's method, and the methods of the statements moved out of it to keep each
     * under HotSpot's compile limit ({@link Outliner}), each after the one that first calls it.
     */
    private void handler(String name, IrFunction fn) {
        Outliner.Plan plan = Outliner.plan(this, name, fn);
        MethodVisitor mv = cw.visitMethod(ACC_PRIVATE, name, "(L" + VIEW + ";)I", null, null);
        method(name, fn, () -> new MethodGen(this, mv, MethodGen.Mode.HANDLER, fn, plan, null).body());
        for (int i = 0; i < plan.called.size(); i++) {
            Outliner.Piece p = plan.called.get(i);
            MethodVisitor pv = cw.visitMethod(ACC_PRIVATE, p.name, p.descriptor(shapes), null, null);
            method(p.name, fn, () -> new MethodGen(this, pv, MethodGen.Mode.HANDLER, fn, plan, p).body());
        }
    }

    /** The fields outlined statements write shared locals back through, by name, in the order first asked for. */
    private final Map<String, String> pieceFields = new java.util.LinkedHashMap<>();

    /** Field {@code name}, holding a {@code repr}: declared in the kernel. */
    String pieceField(String name, Repr repr) {
        pieceFields.putIfAbsent(name, repr.descriptor);
        return name;
    }

    // ---- Fields and the constructor -------------------------------------------------------------

    private void fields() {
        for (int i = 0; i < ir.counters.size(); i++) {
            cw.visitField(ACC_PRIVATE, "c$" + i, "J", null, null).visitEnd();
        }
        for (int i = 0; i < ir.params.size(); i++) {
            cw.visitField(ACC_PRIVATE | ACC_FINAL, "p$" + i, paramRepr(i).descriptor, null, null).visitEnd();
        }
        for (int i = 0; i < ir.maps.size(); i++) {
            // A shared map's field is set again by shareMaps.
            int access = ir.maps.get(i).shared() ? ACC_PRIVATE : ACC_PRIVATE | ACC_FINAL;
            cw.visitField(access, "m$" + i, mapDescriptor(i), null, null).visitEnd();
        }
        for (int i = 0; i < ir.tables.size(); i++) {
            cw.visitField(ACC_PRIVATE | ACC_FINAL, "t$" + i, "L" + ENTRY_TABLE + ";", null, null).visitEnd();
            cw.visitField(ACC_PRIVATE | ACC_FINAL, "k$" + i, "[J", null, null).visitEnd();
            cw.visitField(ACC_PRIVATE | ACC_FINAL, "d$" + i, "[J", null, null).visitEnd();
            cw.visitField(ACC_PRIVATE | ACC_FINAL, "b$" + i, "L" + BLOB_POOL + ";", null, null).visitEnd();
        }
        for (int i = 0; i < ir.functions.size(); i++) {
            IrFunction f = ir.functions.get(i);
            if (shapes.exploded(f.result())) {
                Repr[] parts = shapes.partReprs(f.result());
                for (int j = 0; j < parts.length; j++) {
                    cw.visitField(ACC_PRIVATE, resultField(f, j), parts[j].descriptor, null, null).visitEnd();
                }
            }
        }
        for (int i = 0; i < ir.maps.size(); i++) {
            IrAppliance.MapState m = ir.maps.get(i);
            if (shapes.repr(m.key()) == Repr.FLAT) {
                cw.visitField(ACC_PRIVATE | ACC_FINAL, mapKeyField(i), "[J", null, null).visitEnd();
            }
            if (shapes.repr(m.value()) == Repr.FLAT) {
                cw.visitField(ACC_PRIVATE | ACC_FINAL, mapValueField(i), "[J", null, null).visitEnd();
            }
        }
        for (int i = 0; i < ir.stores.size(); i++) {
            cw.visitField(ACC_PRIVATE, "s$" + i, "L" + storeClass(ir.stores.get(i).kind()) + ";", null, null).visitEnd();
        }
        for (int p = 0; p < ir.ports.size(); p++) {
            if (ir.ports.get(p).stateful()) {
                // The connection of the port's messages that come without one (dispatchByConnection).
                cw.visitField(ACC_PRIVATE | ACC_FINAL, "cs$" + p, "[J", null, null).visitEnd();
            }
        }
        cw.visitField(ACC_PRIVATE, "now", "J", null, null).visitEnd();
        cw.visitField(ACC_PRIVATE | ACC_FINAL, "scratch", "L" + SCRATCH + ";", null, null).visitEnd();
        for (String[] layout : LAYOUTS) {
            cw.visitField(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, layout[0], layout[1], null, null).visitEnd();
        }
    }

    /** The static final byte-order layouts: field name, descriptor, ValueLayout constant, order. */
    static final String[][] LAYOUTS = {
        {"B16", "Ljava/lang/foreign/ValueLayout$OfShort;", "JAVA_SHORT_UNALIGNED", "BIG_ENDIAN"},
        {"B32", "Ljava/lang/foreign/ValueLayout$OfInt;", "JAVA_INT_UNALIGNED", "BIG_ENDIAN"},
        {"B64", "Ljava/lang/foreign/ValueLayout$OfLong;", "JAVA_LONG_UNALIGNED", "BIG_ENDIAN"},
        {"L16", "Ljava/lang/foreign/ValueLayout$OfShort;", "JAVA_SHORT_UNALIGNED", "LITTLE_ENDIAN"},
        {"L32", "Ljava/lang/foreign/ValueLayout$OfInt;", "JAVA_INT_UNALIGNED", "LITTLE_ENDIAN"},
        {"L64", "Ljava/lang/foreign/ValueLayout$OfLong;", "JAVA_LONG_UNALIGNED", "LITTLE_ENDIAN"},
    };

    static String storeClass(String kind) {
        return switch (kind) {
            case "blocks" -> BLOCK_STORE;
            case "log" -> LOG_STORE;
            default -> KV_STORE;
        };
    }

    /**
     * {@code openStores(Path)}: opens each store with its settings (constants, or params read from
     * their fields) through {@code StoreOps}; {@code closeStores()}: closes those open. Only for
     * appliances with stores: the others keep the Kernel's defaults, which do nothing.
     */
    private void storeMethods() {
        if (ir.stores.isEmpty()) {
            return;
        }
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "openStores", "(Ljava/nio/file/Path;)V", null,
                new String[] {"java/io/IOException"});
        mv.visitCode();
        for (int i = 0; i < ir.stores.size(); i++) {
            IrAppliance.StoreState s = ir.stores.get(i);
            mv.visitVarInsn(ALOAD, 0);
            mv.visitVarInsn(ALOAD, 1);
            StringBuilder descriptor = new StringBuilder("(Ljava/nio/file/Path;Ljava/lang/Object;");
            for (int k = 0; k < s.settings().size(); k++) {
                IrExpr setting = s.settings().get(k);
                switch (setting) {
                    case IrExpr.Const c when c.value() instanceof String file -> mv.visitLdcInsn(file);
                    case IrExpr.Const c -> MethodGen.pushLong(mv, (Long) c.value());
                    case IrExpr.ParamValue p -> {
                        mv.visitVarInsn(ALOAD, 0);
                        mv.visitFieldInsn(GETFIELD, owner, "p$" + p.param(), paramRepr(p.param()).descriptor);
                    }
                    default -> throw new IllegalStateException("a store setting is a constant or a param");
                }
                if (k > 0) {
                    descriptor.append('J');
                }
            }
            String kind = s.kind();
            String method = "open" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
            mv.visitMethodInsn(INVOKESTATIC, STORE_OPS, method, descriptor + ")L" + storeClass(kind) + ";", false);
            mv.visitFieldInsn(PUTFIELD, owner, "s$" + i, "L" + storeClass(kind) + ";");
        }
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        mv = cw.visitMethod(ACC_PUBLIC, "storeCount", "()I", null, null);
        mv.visitCode();
        MethodGen.pushInt(mv, ir.stores.size());
        mv.visitInsn(IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        mv = cw.visitMethod(ACC_PUBLIC, "closeStores", "()V", null, null);
        mv.visitCode();
        for (int i = 0; i < ir.stores.size(); i++) {
            String type = storeClass(ir.stores.get(i).kind());
            Label closed = new Label();
            mv.visitVarInsn(ALOAD, 0);
            mv.visitFieldInsn(GETFIELD, owner, "s$" + i, "L" + type + ";");
            mv.visitJumpInsn(IFNULL, closed);
            mv.visitVarInsn(ALOAD, 0);
            mv.visitFieldInsn(GETFIELD, owner, "s$" + i, "L" + type + ";");
            mv.visitVarInsn(ALOAD, 0);
            mv.visitInsn(ACONST_NULL);
            mv.visitFieldInsn(PUTFIELD, owner, "s$" + i, "L" + type + ";");
            mv.visitMethodInsn(INVOKEVIRTUAL, type, "close", "()V", false);
            mv.visitLabel(closed);
        }
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    Repr paramRepr(int i) {
        return shapes.repr(ir.params.get(i).type());
    }

    private void constructor() {
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "<init>", "([Ljava/lang/Object;)V", null, null);
        mv.visitCode();
        mv.visitVarInsn(ALOAD, 0);
        mv.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        for (int i = 0; i < ir.params.size(); i++) {
            Repr r = paramRepr(i);
            mv.visitVarInsn(ALOAD, 0);
            mv.visitVarInsn(ALOAD, 1);
            MethodGen.pushInt(mv, i);
            mv.visitInsn(AALOAD);
            if (r == Repr.LONG) {
                // A param without a value stays 0 here; the interpreter fails only where it is read.
                Label present = new Label();
                Label done = new Label();
                mv.visitInsn(DUP);
                mv.visitJumpInsn(IFNONNULL, present);
                mv.visitInsn(POP);
                mv.visitInsn(LCONST_0);
                mv.visitJumpInsn(GOTO, done);
                mv.visitLabel(present);
                // Any number will do (the interpreter's values are Longs; a BigInteger keeps its low bits).
                mv.visitTypeInsn(CHECKCAST, "java/lang/Number");
                mv.visitMethodInsn(INVOKEVIRTUAL, "java/lang/Number", "longValue", "()J", false);
                mv.visitLabel(done);
            } else if (r != Repr.TEXT) {
                mv.visitTypeInsn(CHECKCAST, r.boxClass);
            }
            mv.visitFieldInsn(PUTFIELD, owner, "p$" + i, r.descriptor);
        }
        for (int i = 0; i < ir.maps.size(); i++) {
            IrAppliance.MapState m = ir.maps.get(i);
            int keyWords = shapes.words(m.key());
            int valueWords = shapes.words(m.value());
            if (keyWords < 0 || valueWords < 0) {
                throw new Unsupported(null, "map `" + m.name() + "`: keys and values other than scalars and structs"
                        + " of scalars cannot be compiled yet (`" + m.key().display() + " -> " + m.value().display() + "`)");
            }
            mv.visitVarInsn(ALOAD, 0);
            mv.visitTypeInsn(NEW, mapClass(i));
            mv.visitInsn(DUP);
            MethodGen.pushInt(mv, keyWords);
            MethodGen.pushInt(mv, valueWords);
            MethodGen.pushLong(mv, m.capacity());
            MethodGen.pushLong(mv, m.expireNanos());
            mv.visitInsn(m.lru() ? ICONST_1 : ICONST_0);
            mv.visitMethodInsn(INVOKESPECIAL, mapClass(i), "<init>", "(IIJJZ)V", false);
            mv.visitFieldInsn(PUTFIELD, owner, "m$" + i, mapDescriptor(i));
            if (shapes.repr(m.key()) == Repr.FLAT) {
                mv.visitVarInsn(ALOAD, 0);
                MethodGen.pushInt(mv, keyWords);
                mv.visitIntInsn(NEWARRAY, T_LONG);
                mv.visitFieldInsn(PUTFIELD, owner, mapKeyField(i), "[J");
            }
            if (shapes.repr(m.value()) == Repr.FLAT) {
                mv.visitVarInsn(ALOAD, 0);
                MethodGen.pushInt(mv, valueWords);
                mv.visitIntInsn(NEWARRAY, T_LONG);
                mv.visitFieldInsn(PUTFIELD, owner, mapValueField(i), "[J");
            }
        }
        for (int i = 0; i < ir.tables.size(); i++) {
            IrAppliance.Table t = ir.tables.get(i);
            mv.visitVarInsn(ALOAD, 0);
            mv.visitTypeInsn(NEW, ENTRY_TABLE);
            mv.visitInsn(DUP);
            MethodGen.pushLong(mv, t.size());
            mv.visitLdcInsn(keyDescription(t));
            mv.visitMethodInsn(INVOKESPECIAL, ENTRY_TABLE, "<init>", "(JLjava/lang/String;)V", false);
            mv.visitFieldInsn(PUTFIELD, owner, "t$" + i, "L" + ENTRY_TABLE + ";");
            if (!t.constEntries()) {
                for (IrAppliance.Entry e : t.entries()) {
                    addSpecEntry(mv, i, t, e);
                }
            }
            mv.visitVarInsn(ALOAD, 0);
            MethodGen.pushInt(mv, t.keys().size());
            mv.visitIntInsn(NEWARRAY, T_LONG);
            mv.visitFieldInsn(PUTFIELD, owner, "k$" + i, "[J");
            int data = 0;
            for (IrAppliance.TableAction a : t.actions()) {
                data = Math.max(data, a.data().size());
            }
            mv.visitVarInsn(ALOAD, 0);
            MethodGen.pushInt(mv, data);
            mv.visitIntInsn(NEWARRAY, T_LONG);
            mv.visitFieldInsn(PUTFIELD, owner, "d$" + i, "[J");
            mv.visitVarInsn(ALOAD, 0);
            mv.visitTypeInsn(NEW, BLOB_POOL);
            mv.visitInsn(DUP);
            mv.visitMethodInsn(INVOKESPECIAL, BLOB_POOL, "<init>", "()V", false);
            mv.visitFieldInsn(PUTFIELD, owner, "b$" + i, "L" + BLOB_POOL + ";");
        }
        mv.visitVarInsn(ALOAD, 0);
        mv.visitTypeInsn(NEW, SCRATCH);
        mv.visitInsn(DUP);
        mv.visitMethodInsn(INVOKESPECIAL, SCRATCH, "<init>", "()V", false);
        mv.visitFieldInsn(PUTFIELD, owner, "scratch", "L" + SCRATCH + ";");
        for (int p = 0; p < ir.ports.size(); p++) {
            if (ir.ports.get(p).stateful()) {
                mv.visitVarInsn(ALOAD, 0);
                MethodGen.pushInt(mv, ir.ports.get(p).connectionSlots());
                mv.visitIntInsn(NEWARRAY, T_LONG);
                mv.visitFieldInsn(PUTFIELD, owner, "cs$" + p, "[J");
                mv.visitVarInsn(ALOAD, 0);
                MethodGen.pushInt(mv, p);
                mv.visitVarInsn(ALOAD, 0);
                mv.visitFieldInsn(GETFIELD, owner, "cs$" + p, "[J");
                mv.visitInsn(ICONST_0);
                mv.visitMethodInsn(INVOKEVIRTUAL, owner, "openConnection", "(I[JI)V", false);
            }
        }
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    // ---- The Kernel methods ---------------------------------------------------------------------

    private void kernelMethods() {
        // handle(port, packet): the port's handler, else drop; for a port that keeps state per
        // connection, its on connect handler or the handler of its phase.
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "handle", "(IL" + VIEW + ";)I", null, null);
        mv.visitCode();
        int ports = ir.ports.size();
        Label drop = new Label();
        if (ports > 0) {
            Label[] labels = new Label[ports];
            for (int p = 0; p < ports; p++) {
                labels[p] = new Label();
            }
            mv.visitVarInsn(ILOAD, 1);
            mv.visitTableSwitchInsn(0, ports - 1, drop, labels);
            for (int p = 0; p < ports; p++) {
                mv.visitLabel(labels[p]);
                if (ir.ports.get(p).stateful()) {
                    dispatchByConnection(mv, p, drop);
                    continue;
                }
                int handler = -1;
                for (int i = 0; i < ir.handlers.size() && handler < 0; i++) {
                    IrAppliance.Handler h = ir.handlers.get(i);
                    if (!h.event().equals("timer") && h.source() == p) {
                        handler = i;
                    }
                }
                callHandler(mv, handler, drop);
            }
        }
        mv.visitLabel(drop);
        MethodGen.pushInt(mv, dev.appl.runtime.kernel.Kernel.DROP);
        mv.visitInsn(IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        // tick(timer): every handler of the timer, in order.
        mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "tick", "(I)V", null, null);
        mv.visitCode();
        Label done = new Label();
        int timers = ir.timers.size();
        if (timers > 0) {
            Label[] labels = new Label[timers];
            for (int t = 0; t < timers; t++) {
                labels[t] = new Label();
            }
            mv.visitVarInsn(ILOAD, 1);
            mv.visitTableSwitchInsn(0, timers - 1, done, labels);
            for (int t = 0; t < timers; t++) {
                mv.visitLabel(labels[t]);
                for (int i = 0; i < ir.handlers.size(); i++) {
                    IrAppliance.Handler h = ir.handlers.get(i);
                    if (h.event().equals("timer") && h.source() == t) {
                        mv.visitVarInsn(ALOAD, 0);
                        mv.visitMethodInsn(INVOKESPECIAL, owner, "h$" + i, "()V", false);
                    }
                }
                mv.visitJumpInsn(GOTO, done);
            }
        }
        mv.visitLabel(done);
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "setTime", "(J)V", null, null);
        mv.visitCode();
        mv.visitVarInsn(ALOAD, 0);
        mv.visitVarInsn(LLOAD, 1);
        mv.visitFieldInsn(PUTFIELD, owner, "now", "J");
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        framing();
        streamMethods();

        indexed("counter", "(I)J", ir.counters.size(), (m, i) -> {
            m.visitVarInsn(ALOAD, 0);
            m.visitFieldInsn(GETFIELD, owner, "c$" + i, "J");
            m.visitInsn(LRETURN);
        });
        indexed("mapSize", "(I)I", ir.maps.size(), (m, i) -> {
            m.visitVarInsn(ALOAD, 0);
            m.visitFieldInsn(GETFIELD, owner, "m$" + i, mapDescriptor(i));
            m.visitVarInsn(ALOAD, 0);
            m.visitFieldInsn(GETFIELD, owner, "now", "J");
            m.visitMethodInsn(INVOKEVIRTUAL, mapClass(i), "size", "(J)I", false);
            m.visitInsn(IRETURN);
        });
        mapSharing();
        if (!writesPackets()) {
            MethodVisitor writes = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "writesPackets", "()Z", null, null);
            writes.visitCode();
            writes.visitInsn(ICONST_0);
            writes.visitInsn(IRETURN);
            writes.visitMaxs(0, 0);
            writes.visitEnd();
        }
        indexed("addEntry", "(IL" + TABLE_ENTRY + ";)V", ir.tables.size(), (m, i) -> {
            m.visitVarInsn(ALOAD, 0);
            m.visitFieldInsn(GETFIELD, owner, "t$" + i, "L" + ENTRY_TABLE + ";");
            m.visitVarInsn(ALOAD, 0);
            m.visitFieldInsn(GETFIELD, owner, "b$" + i, "L" + BLOB_POOL + ";");
            m.visitVarInsn(ALOAD, 2);
            m.visitMethodInsn(INVOKEVIRTUAL, BLOB_POOL, "intern", "(L" + TABLE_ENTRY + ";)L" + TABLE_ENTRY + ";", false);
            m.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "add", "(L" + TABLE_ENTRY + ";)V", false);
            m.visitInsn(RETURN);
        });
    }

    /** Calls handler {@code handler} on the view (argument 2) and returns its fate; drops when it is -1. */
    private void callHandler(MethodVisitor mv, int handler, Label drop) {
        if (handler < 0) {
            mv.visitJumpInsn(GOTO, drop);
            return;
        }
        mv.visitVarInsn(ALOAD, 0);
        mv.visitVarInsn(ALOAD, 2);
        mv.visitMethodInsn(INVOKESPECIAL, owner, "h$" + handler, "(L" + VIEW + ";)I", false);
        mv.visitInsn(IRETURN);
    }

    /**
     * The dispatch of a port that keeps state per connection: a message without state belongs to
     * the kernel's own connection of the port ({@code cs$p}); while the connection is
     * {@code CONNECTING} its on connect handler runs (the phase set to the first one before it, so
     * that it may {@code enter} another); else the handler of its phase.
     */
    private void dispatchByConnection(MethodVisitor mv, int p, Label drop) {
        Label stated = new Label();
        mv.visitVarInsn(ALOAD, 2);
        mv.visitFieldInsn(GETFIELD, VIEW, "connection", "[J");
        mv.visitJumpInsn(IFNONNULL, stated);
        mv.visitVarInsn(ALOAD, 2);
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, owner, "cs$" + p, "[J");
        mv.visitFieldInsn(PUTFIELD, VIEW, "connection", "[J");
        mv.visitVarInsn(ALOAD, 2);
        mv.visitInsn(ICONST_0);
        mv.visitFieldInsn(PUTFIELD, VIEW, "connectionBase", "I");
        mv.visitLabel(stated);
        // phase = (int) view.connection[view.connectionBase + PHASE], in local 3
        loadPhaseSlot(mv);
        mv.visitInsn(LALOAD);
        mv.visitInsn(L2I);
        mv.visitVarInsn(ISTORE, 3);
        IrAppliance.Handler connect = ir.handler(p, "connect", -1);
        if (connect != null) {
            Label open = new Label();
            mv.visitVarInsn(ILOAD, 3);
            MethodGen.pushInt(mv, (int) dev.appl.runtime.kernel.Kernel.CONNECTING);
            mv.visitJumpInsn(IF_ICMPNE, open);
            loadPhaseSlot(mv);
            mv.visitInsn(LCONST_0);
            mv.visitInsn(LASTORE);
            callHandler(mv, ir.handlers.indexOf(connect), drop);
            mv.visitLabel(open);
        }
        List<String> phases = ir.ports.get(p).phases();
        if (phases.isEmpty()) {
            int handler = -1;
            for (int i = 0; i < ir.handlers.size() && handler < 0; i++) {
                IrAppliance.Handler h = ir.handlers.get(i);
                if (h.event().equals("message") && h.source() == p) {
                    handler = i;
                }
            }
            callHandler(mv, handler, drop);
            return;
        }
        Label[] labels = new Label[phases.size()];
        for (int k = 0; k < labels.length; k++) {
            labels[k] = new Label();
        }
        mv.visitVarInsn(ILOAD, 3);
        mv.visitTableSwitchInsn(0, labels.length - 1, drop, labels);
        for (int k = 0; k < labels.length; k++) {
            mv.visitLabel(labels[k]);
            IrAppliance.Handler h = ir.handler(p, "message", k);
            callHandler(mv, h == null ? -1 : ir.handlers.indexOf(h), drop);
        }
    }

    /** Pushes the view's connection array and the index of its phase slot. */
    private static void loadPhaseSlot(MethodVisitor mv) {
        mv.visitVarInsn(ALOAD, 2);
        mv.visitFieldInsn(GETFIELD, VIEW, "connection", "[J");
        mv.visitVarInsn(ALOAD, 2);
        mv.visitFieldInsn(GETFIELD, VIEW, "connectionBase", "I");
        MethodGen.pushInt(mv, dev.appl.runtime.kernel.Kernel.PHASE);
        mv.visitInsn(IADD);
    }

    /**
     * {@code frameLength} and {@code framePrefix} of the stream ports, by port and then (for a port
     * with a session) by phase: a length prefix is framed by {@code Framing.prefixed}; a framing
     * header, once its bytes have arrived, by its size function ({@code fr$p_k}, run over the
     * header's bytes), which checks the size with {@code Framing.sized}; a scanner ({@code framed
     * by}) by {@code fr$p_k} run over every byte so far, checked with {@code Framing.scanned}.
     */
    private void framing() {
        int ports = ir.ports.size();
        // frameLength(port, phase, buffer, offset, available)
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "frameLength", "(IIL" + SEGMENT + ";JI)I", null, null);
        mv.visitCode();
        Label malformed = new Label();
        byPortAndPhase(mv, malformed, (p, k) -> frameOne(mv, p, k, ir.ports.get(p).framings().get(k)));
        mv.visitLabel(malformed);
        MethodGen.pushInt(mv, dev.appl.runtime.kernel.Kernel.MALFORMED);
        mv.visitInsn(IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();

        for (int p = 0; p < ports; p++) {
            List<IrAppliance.Framing> framings = ir.ports.get(p).framings();
            for (int k = 0; k < framings.size(); k++) {
                if (framings.get(k).size() != null) {
                    MethodVisitor size = cw.visitMethod(ACC_PRIVATE, frameSizeMethod(p, k), FRAME_SIZE, null, null);
                    IrFunction fn = framings.get(k).size();
                    method(frameSizeMethod(p, k), fn, () -> new MethodGen(this, size, MethodGen.Mode.FRAMING, fn).body());
                }
            }
        }

        MethodVisitor prefix = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "framePrefix", "(II)I", null, null);
        prefix.visitCode();
        Label none = new Label();
        byPortAndPhase(prefix, none, (p, k) -> {
            MethodGen.pushInt(prefix, ir.ports.get(p).framings().get(k).prefixBytes());
            prefix.visitInsn(IRETURN);
        });
        prefix.visitLabel(none);
        prefix.visitInsn(ICONST_0);
        prefix.visitInsn(IRETURN);
        prefix.visitMaxs(0, 0);
        prefix.visitEnd();
    }

    private static String frameSizeMethod(int port, int phase) {
        return "fr$" + port + "_" + phase;
    }

    /**
     * Switches on the port (argument 1) and, for a port with several framings, on the phase
     * (argument 2) to {@code body} for each framing; anything else goes to {@code otherwise}.
     */
    private void byPortAndPhase(MethodVisitor mv, Label otherwise, java.util.function.BiConsumer<Integer, Integer> body) {
        int ports = ir.ports.size();
        if (ports == 0) {
            mv.visitJumpInsn(GOTO, otherwise);
            return;
        }
        Label[] labels = new Label[ports];
        for (int p = 0; p < ports; p++) {
            labels[p] = new Label();
        }
        mv.visitVarInsn(ILOAD, 1);
        mv.visitTableSwitchInsn(0, ports - 1, otherwise, labels);
        for (int p = 0; p < ports; p++) {
            mv.visitLabel(labels[p]);
            int n = ir.ports.get(p).framings().size();
            if (n == 0) {
                mv.visitJumpInsn(GOTO, otherwise);
                continue;
            }
            Label[] phases = new Label[n];
            for (int k = 0; k < n; k++) {
                phases[k] = new Label();
            }
            mv.visitVarInsn(ILOAD, 2);
            mv.visitTableSwitchInsn(0, n - 1, otherwise, phases);
            for (int k = 0; k < n; k++) {
                mv.visitLabel(phases[k]);
                body.accept(p, k);
            }
        }
    }

    /** frameLength for one framing: arguments port 1, phase 2, buffer 3, offset 4, available 6. */
    private void frameOne(MethodVisitor mv, int p, int k, IrAppliance.Framing f) {
        if (f.size() != null) {
            Label arrived = new Label();
            mv.visitVarInsn(ILOAD, 6);
            MethodGen.pushInt(mv, Math.max(f.headerBytes(), 1));
            mv.visitJumpInsn(IF_ICMPGE, arrived);
            MethodGen.pushInt(mv, dev.appl.runtime.kernel.Kernel.NEED_MORE);
            mv.visitInsn(IRETURN);
            mv.visitLabel(arrived);
            mv.visitVarInsn(ALOAD, 0);
            mv.visitVarInsn(ILOAD, 1);
            mv.visitVarInsn(ALOAD, 3);
            mv.visitVarInsn(LLOAD, 4);
            if (f.scanned()) {
                mv.visitVarInsn(ILOAD, 6); // a scanner reads every byte that has arrived
                mv.visitInsn(I2L);
            } else {
                MethodGen.pushLong(mv, f.headerBytes());
            }
            mv.visitMethodInsn(INVOKEVIRTUAL, owner, frameSizeMethod(p, k), FRAME_SIZE, false);
            mv.visitInsn(IRETURN);
            return;
        }
        if (f.prefixBytes() != 1 && f.prefixBytes() != 2 && f.prefixBytes() != 4) {
            throw new Unsupported(null, "port `" + ir.ports.get(p).name() + "`: a length prefix of "
                    + f.prefixBytes() + " bytes (u8, u16 and u32 are compiled)");
        }
        mv.visitVarInsn(ALOAD, 3);
        mv.visitVarInsn(LLOAD, 4);
        mv.visitVarInsn(ILOAD, 6);
        MethodGen.pushInt(mv, f.prefixBytes());
        MethodGen.pushLong(mv, f.maxBytes());
        mv.visitMethodInsn(INVOKESTATIC, FRAMING, "prefixed", "(L" + SEGMENT + ";JIIJ)I", false);
        mv.visitInsn(IRETURN);
    }

    /**
     * {@code frameMax} of the stream ports (the spec's max plus the longest length prefix of their
     * phases; 0 for other ports) and their connection state: {@code connectionSlots},
     * {@code openConnection} (the first phase, or {@code CONNECTING} before an {@code on connect}
     * handler; the session's initial values) and {@code connections}.
     */
    private void streamMethods() {
        indexed("frameMax", "(I)J", ir.ports.size(), (m, p) -> {
            IrAppliance.Port port = ir.ports.get(p);
            int prefix = port.framings().stream().mapToInt(IrAppliance.Framing::prefixBytes).max().orElse(0);
            MethodGen.pushLong(m, port.framings().isEmpty() ? 0 : port.maxBytes() + prefix);
            m.visitInsn(LRETURN);
        });
        indexed("connectionSlots", "(I)I", ir.ports.size(), (m, p) -> {
            MethodGen.pushInt(m, ir.ports.get(p).connectionSlots());
            m.visitInsn(IRETURN);
        });
        indexed("connections", "(I)I", ir.ports.size(), (m, p) -> {
            MethodGen.pushInt(m, (int) Math.min(Integer.MAX_VALUE, ir.ports.get(p).connections()));
            m.visitInsn(IRETURN);
        });
        // openConnection(port, state, base)
        indexed("openConnection", "(I[JI)V", ir.ports.size(), (m, p) -> {
            IrAppliance.Port port = ir.ports.get(p);
            if (port.stateful()) {
                boolean greets = ir.handler(p, "connect", -1) != null;
                storeSlot(m, dev.appl.runtime.kernel.Kernel.PHASE, greets ? dev.appl.runtime.kernel.Kernel.CONNECTING : 0);
                storeSlot(m, dev.appl.runtime.kernel.Kernel.CLOSE, 0);
                for (int i = 0; i < port.session().size(); i++) {
                    storeSlot(m, dev.appl.runtime.kernel.Kernel.SESSION + i, (Long) port.session().get(i).initial());
                }
            }
            m.visitInsn(RETURN);
        });
    }

    /** {@code state[base + slot] = value}, with the state and base in arguments 2 and 3. */
    private static void storeSlot(MethodVisitor m, int slot, long value) {
        m.visitVarInsn(ALOAD, 2);
        m.visitVarInsn(ILOAD, 3);
        MethodGen.pushInt(m, slot);
        m.visitInsn(IADD);
        MethodGen.pushLong(m, value);
        m.visitInsn(LASTORE);
    }

    /** A method that switches on its int argument to one case per index, else throws. */
    private void indexed(String name, String descriptor, int count, java.util.function.ObjIntConsumer<MethodVisitor> body) {
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, name, descriptor, null, null);
        mv.visitCode();
        Label bad = new Label();
        if (count > 0) {
            Label[] labels = new Label[count];
            for (int i = 0; i < count; i++) {
                labels[i] = new Label();
            }
            mv.visitVarInsn(ILOAD, 1);
            mv.visitTableSwitchInsn(0, count - 1, bad, labels);
            for (int i = 0; i < count; i++) {
                mv.visitLabel(labels[i]);
                body.accept(mv, i);
            }
        }
        mv.visitLabel(bad);
        mv.visitTypeInsn(NEW, "java/lang/IndexOutOfBoundsException");
        mv.visitInsn(DUP);
        mv.visitVarInsn(ILOAD, 1);
        mv.visitMethodInsn(INVOKESPECIAL, "java/lang/IndexOutOfBoundsException", "<init>", "(I)V", false);
        mv.visitInsn(ATHROW);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** The runtime class of map {@code i}: {@code SharedFlowMap} for a {@code shared} map. */
    String mapClass(int i) {
        return ir.maps.get(i).shared() ? SHARED_FLOW_MAP : FLOW_MAP;
    }

    String mapDescriptor(int i) {
        return "L" + mapClass(i) + ";";
    }

    /**
     * {@code mapCount()}, {@code mapShared(int)} and, for an appliance with shared maps,
     * {@code shareMaps(Kernel)}: {@code m$i = ((Owner) first).m$i.another()} for each shared map.
     */
    private void mapSharing() {
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "mapCount", "()I", null, null);
        mv.visitCode();
        MethodGen.pushInt(mv, ir.maps.size());
        mv.visitInsn(IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        indexed("mapShared", "(I)Z", ir.maps.size(), (m, i) -> {
            m.visitInsn(ir.maps.get(i).shared() ? ICONST_1 : ICONST_0);
            m.visitInsn(IRETURN);
        });
        if (ir.maps.stream().noneMatch(IrAppliance.MapState::shared)) {
            return;
        }
        mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "shareMaps", "(L" + KERNEL + ";)V", null, null);
        mv.visitCode();
        for (int i = 0; i < ir.maps.size(); i++) {
            if (ir.maps.get(i).shared()) {
                mv.visitVarInsn(ALOAD, 0);
                mv.visitVarInsn(ALOAD, 1);
                mv.visitTypeInsn(CHECKCAST, owner);
                mv.visitFieldInsn(GETFIELD, owner, "m$" + i, mapDescriptor(i));
                mv.visitMethodInsn(INVOKEVIRTUAL, SHARED_FLOW_MAP, "another", "()" + mapDescriptor(i), false);
                mv.visitFieldInsn(PUTFIELD, owner, "m$" + i, mapDescriptor(i));
            }
        }
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    // ---- Tests ----------------------------------------------------------------------------------

    private void tests() {
        for (IrTest t : ir.tests) {
            for (IrTest.Step s : t.steps()) {
                switch (s) {
                    case IrTest.Send send -> testExpression(t, send.packet(), true);
                    case IrTest.ExpectForward f -> testExpression(t, f.packet(), true);
                    case IrTest.ExpectReply r -> testExpression(t, r.packet(), true);
                    case IrTest.ExpectTrue e -> {
                        testExpression(t, e.condition(), false);
                        // The sides of a comparison, for the message when it fails.
                        if (e.condition() instanceof IrExpr.Binary b && b.op().isComparison()) {
                            testExpression(t, b.left(), false);
                            testExpression(t, b.right(), false);
                        }
                    }
                    case IrTest.Let let -> testExpression(t, let.value(), false);
                    case IrTest.ExpectDrop d -> {}
                    case IrTest.Connect c -> {}
                    case IrTest.ExpectClose c -> {}
                    case IrTest.ExpectPhase p -> {}
                }
            }
        }
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "testEvaluate", "(I[Ljava/lang/Object;)Ljava/lang/Object;",
                null, null);
        mv.visitCode();
        Label bad = new Label();
        int n = testExpressions.size();
        if (n > 0) {
            Label[] labels = new Label[n];
            for (int i = 0; i < n; i++) {
                labels[i] = new Label();
            }
            mv.visitVarInsn(ILOAD, 1);
            mv.visitTableSwitchInsn(0, n - 1, bad, labels);
            for (int i = 0; i < n; i++) {
                mv.visitLabel(labels[i]);
                mv.visitVarInsn(ALOAD, 0);
                mv.visitVarInsn(ALOAD, 2);
                mv.visitMethodInsn(INVOKESPECIAL, owner, "te$" + i, "([Ljava/lang/Object;)Ljava/lang/Object;", false);
                mv.visitInsn(ARETURN);
            }
        }
        mv.visitLabel(bad);
        mv.visitInsn(ACONST_NULL);
        mv.visitInsn(ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    private void testExpression(IrTest test, IrExpr e, boolean asPacket) {
        if (e == null) {
            return;
        }
        int index = testExpressions.size();
        testExpressions.add(e);
        MethodVisitor mv = cw.visitMethod(ACC_PRIVATE | ACC_SYNTHETIC, "te$" + index,
                "([Ljava/lang/Object;)Ljava/lang/Object;", null, null);
        method("te$" + index, test.scope(),
                () -> new MethodGen(this, mv, MethodGen.Mode.TEST, test.scope()).testExpression(e, asPacket));
    }

    // ---- Functions ------------------------------------------------------------------------------

    String functionName(IrFunction f) {
        int i = indexOf(ir.functions, f);
        if (i < 0) {
            throw new Unsupported(null, "a call of `" + f.name() + "`, which is not among the appliance's functions");
        }
        return "f$" + i + "$" + javaName(f.name());
    }

    /**
     * A function's descriptor: one argument per param, or per part of a scalar-replaced param; the
     * result as its representation, or nothing for a scalar-replaced result, which the function
     * leaves in its {@link #resultField}s.
     */
    String functionDescriptor(IrFunction f) {
        StringBuilder d = new StringBuilder("(");
        for (var p : f.params()) {
            if (shapes.exploded(p.type())) {
                for (Repr r : shapes.partReprs(p.type())) {
                    d.append(r.descriptor);
                }
                continue;
            }
            Repr r = shapes.repr(p.type());
            if (r != Repr.VOID) {
                d.append(r.descriptor);
            }
        }
        d.append(')');
        return d.append(shapes.exploded(f.result()) ? "V" : shapes.repr(f.result()).descriptor).toString();
    }

    /**
     * The field where function {@code f} leaves part {@code part} of its scalar-replaced result for
     * its caller to read right after the call: a kernel is driven by one thread at a time, and
     * nothing runs between the return and the read.
     */
    String resultField(IrFunction f, int part) {
        return "r$" + indexOf(ir.functions, f) + "$" + part;
    }

    /** The scratch arrays a map's struct keys and values are packed into for each call ({@code mk$i}, {@code mv$i}). */
    static String mapKeyField(int map) {
        return "mk$" + map;
    }

    static String mapValueField(int map) {
        return "mv$" + map;
    }

    private static int indexOf(List<?> list, Object o) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == o) {
                return i;
            }
        }
        return -1;
    }

    // ---- Static finals --------------------------------------------------------------------------

    /** The static field holding the {@code HeaderFormat} of header type {@code h}. */
    String headerFormat(Type.Header h) {
        String existing = formatFields.get(h.decl());
        if (existing != null) {
            return existing;
        }
        HeaderLayout layout = shapes.layout(h);
        StringBuilder text = new StringBuilder();
        text.append(layout.fixedBytes()).append(';').append(shapes.flat(h) ? "1" : "0").append(';');
        for (int i = 0; i < layout.fields().size(); i++) {
            HeaderLayout.FieldLayout f = layout.fields().get(i);
            boolean signed = f.type() instanceof dev.appl.language.types.Type.Int t && t.signed();
            String kind = f.isTrailingBytes() ? "T" : f.littleEndian() ? (signed ? "l" : "L")
                    : f.bitWidth() > 64 ? "I" : signed ? "S" : "B";
            text.append(i > 0 ? "," : "").append(kind).append(':').append(f.bitOffset()).append(':').append(f.bitWidth());
        }
        String field = newStatic("L" + HEADER_FORMAT + ";", mv -> {
            mv.visitLdcInsn(text.toString());
            mv.visitMethodInsn(INVOKESTATIC, HEADER_FORMAT, "parse", "(Ljava/lang/String;)L" + HEADER_FORMAT + ";", false);
        });
        formatFields.put(h.decl(), field);
        return field;
    }

    /** The static field holding constant {@code value} (ip6 value or bytes). */
    String constant(Object value) {
        String key;
        Consumer<MethodVisitor> init;
        String descriptor;
        if (value instanceof BigInteger big) {
            key = "ip6:" + big.toString(16);
            descriptor = Repr.BIG.descriptor;
            init = mv -> {
                mv.visitLdcInsn(big.toString(16));
                mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "ip6", "(Ljava/lang/String;)Ljava/math/BigInteger;", false);
            };
        } else if (value instanceof byte[] bytes) {
            String hex = HexFormat.of().formatHex(bytes);
            key = "bytes:" + hex;
            descriptor = Repr.SEG.descriptor;
            init = mv -> {
                mv.visitLdcInsn(hex);
                mv.visitMethodInsn(INVOKESTATIC, AGGREGATES, "bytes", "(Ljava/lang/String;)L" + SEGMENT + ";", false);
            };
        } else {
            throw new IllegalArgumentException("constant " + value);
        }
        String existing = constantFields.get(key);
        if (existing != null) {
            return existing;
        }
        String field = newStatic(descriptor, init);
        constantFields.put(key, field);
        return field;
    }

    /** The static field holding an aggregate all of whose parts are constants, built once. */
    String constantAggregate(IrExpr e, Consumer<MethodVisitor> build) {
        String existing = aggregateFields.get(e);
        // A constant value used in several places (a const read by several functions) is one field.
        List<Object> key = e instanceof IrExpr.Const c ? List.of(e.type().display(), c.value()) : null;
        if (existing == null && key != null) {
            existing = constantValueFields.get(key);
        }
        if (existing != null) {
            return existing;
        }
        String field = newStatic(shapes.repr(e.type()).descriptor, build);
        aggregateFields.put(e, field);
        if (key != null) {
            constantValueFields.put(key, field);
        }
        return field;
    }

    private String newStatic(String descriptor, Consumer<MethodVisitor> init) {
        String name = "K$" + staticCount++;
        cw.visitField(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, name, descriptor, null, null).visitEnd();
        staticInits.add(mv -> {
            init.accept(mv);
            mv.visitFieldInsn(PUTSTATIC, owner, name, descriptor);
        });
        return name;
    }

    private void staticInitializer() {
        MethodVisitor mv = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
        mv.visitCode();
        for (String[] layout : LAYOUTS) {
            String base = layout[1].substring(1, layout[1].length() - 1);
            mv.visitFieldInsn(GETSTATIC, "java/lang/foreign/ValueLayout", layout[2], layout[1]);
            mv.visitFieldInsn(GETSTATIC, "java/nio/ByteOrder", layout[3], "Ljava/nio/ByteOrder;");
            mv.visitMethodInsn(INVOKEINTERFACE, base, "withOrder", "(Ljava/nio/ByteOrder;)" + layout[1], true);
            mv.visitFieldInsn(PUTSTATIC, owner, layout[0], layout[1]);
        }
        // Constants may ask for more constants while they are being initialized: a plain index loop.
        for (int i = 0; i < staticInits.size(); i++) {
            staticInits.get(i).accept(mv);
        }
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Statements of a block and everything nested in them. */
    /** Whether a handler changes its packet: {@code Kernel.writesPackets}. */
    private boolean writesPackets() {
        return ir.handlers.stream().anyMatch(h -> anyStatement(h.function().body(), s -> s instanceof IrStmt.Store
                || s instanceof IrStmt.Insert || s instanceof IrStmt.Remove
                || s instanceof IrStmt.Fate f && f.payload() != null));
    }

    static boolean anyStatement(IrStmt.Block b, java.util.function.Predicate<IrStmt> p) {
        boolean[] found = {false};
        IrWalk.block(b, e -> {}, s -> found[0] |= p.test(s));
        return found[0];
    }

    /**
     * {@code t$table.add(tests, action, data)}: one of a table's {@code entries {}} (not const), which
     * are its run-time table's first entries, so that handlers may remove them.
     */
    private void addSpecEntry(MethodVisitor mv, int table, IrAppliance.Table t, IrAppliance.Entry e) {
        long[] tests = new long[3 * e.patterns().size()];
        for (int k = 0; k < e.patterns().size(); k++) {
            long[] test = switch (e.patterns().get(k)) {
                case IrPattern.Any a -> new long[] {0, 0, 0};
                case IrPattern.Exact x -> new long[] {-1L, x.value(), 0};
                case IrPattern.Range r -> Long.compareUnsigned(r.low(), r.high()) <= 0
                        ? new long[] {-1L, r.low(), r.high() - r.low()} : new long[] {0, 1, 0};
                case IrPattern.Masked m -> new long[] {m.mask(), m.value() & m.mask(), 0};
            };
            System.arraycopy(test, 0, tests, 3 * k, 3);
        }
        mv.visitVarInsn(ALOAD, 0);
        mv.visitFieldInsn(GETFIELD, owner, "t$" + table, "L" + ENTRY_TABLE + ";");
        longArray(mv, tests);
        MethodGen.pushInt(mv, e.action());
        long[] data = new long[e.data().size()];
        for (int j = 0; j < data.length; j++) {
            if (!(e.data().get(j) instanceof Long v)) {
                throw new Unsupported(null, "an entry of table `" + t.name() + "` whose data are not all scalars"
                        + " (make its entries const)");
            }
            data[j] = v;
        }
        longArray(mv, data);
        mv.visitMethodInsn(INVOKEVIRTUAL, ENTRY_TABLE, "add", "([JI[J)V", false);
    }

    private static void longArray(MethodVisitor mv, long[] values) {
        MethodGen.pushInt(mv, values.length);
        mv.visitIntInsn(NEWARRAY, T_LONG);
        for (int i = 0; i < values.length; i++) {
            mv.visitInsn(DUP);
            MethodGen.pushInt(mv, i);
            MethodGen.pushLong(mv, values[i]);
            mv.visitInsn(LASTORE);
        }
    }

    /**
     * How the run-time table learns its keys' match kinds and types, to choose its layout
     * ({@code EntryTable(long, String)}): {@code "lpm u32, exact u8, range u16"}.
     */
    static String keyDescription(IrAppliance.Table t) {
        StringBuilder out = new StringBuilder();
        for (IrAppliance.Key k : t.keys()) {
            if (!out.isEmpty()) {
                out.append(", ");
            }
            out.append(k.matchKind()).append(' ').append(dev.appl.compiler.ir.Arithmetic.signed(k.type()) ? 'i' : 'u')
                    .append(dev.appl.compiler.ir.Arithmetic.width(k.type()));
        }
        return out.toString();
    }
}
