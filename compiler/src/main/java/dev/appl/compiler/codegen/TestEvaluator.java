package dev.appl.compiler.codegen;

/**
 * What a kernel generated with its tests ({@link Codegen#generate(dev.appl.compiler.ir.IrAppliance,
 * boolean)}) also implements: the expressions of the spec's test blocks, compiled like the rest,
 * so that tests read the compiled appliance's own state.
 */
public interface TestEvaluator {
    /**
     * Evaluates test expression {@code index} ({@link Codegen.Generated#testExpressions()}) with the
     * test's locals (boxed as {@link CompiledKernel#evaluate} returns them): a {@code Long} for a
     * scalar, a {@code MemorySegment} for bytes and packets, the aggregate's array, a BigInteger.
     */
    Object testEvaluate(int index, Object[] locals);
}
