package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The passes that specialize an appliance, in order. The order matters:
 *
 * <ol>
 *   <li>{@link FoldBuildParams} first, so that everything after sees build params as constants.
 *   <li>{@link CompileConstTables} before folding, so that tables written in the spec become code
 *       the folding passes can see through (a key that is a constant selects one entry).
 *   <li>{@link InlineFunctions} before propagation, so that constants flow into expanded callees.
 *   <li>{@link PropagateConstants}, then {@link FoldConstants}: propagation creates constant
 *       operands, folding computes them and drops branches they rule out.
 *   <li>{@link EliminateDeadCode} after folding, which leaves unread locals and dead branches behind.
 *   <li>{@link MergeBoundsChecks} when only statements that matter sit between checks.
 *   <li>{@link MarkLoadsInPacket} last, on the merged checks, which prove the most bytes.
 * </ol>
 *
 * The interpreter runs the IR before these passes; the compiled kernel runs it after. Differential
 * tests between the two therefore test the passes too.
 */
public final class Pipeline {
    public static final List<Pass> PASSES = List.of(
            new FoldBuildParams(),
            new CompileConstTables(),
            new InlineFunctions(),
            new PropagateConstants(),
            new FoldConstants(),
            new EliminateDeadCode(),
            new MergeBoundsChecks(),
            new MarkLoadsInPacket());

    private Pipeline() {}

    /** Runs every pass not named in {@code skip}, calling {@code afterEach} with each pass that ran. */
    public static void run(IrAppliance ir, Set<String> skip, BiConsumer<Pass, IrAppliance> afterEach) {
        for (Pass pass : PASSES) {
            if (!skip.contains(pass.name())) {
                pass.run(ir);
                afterEach.accept(pass, ir);
            }
        }
    }

    public static void run(IrAppliance ir) {
        run(ir, Set.of(), (p, i) -> {});
    }
}
