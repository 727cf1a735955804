package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;

/** One transformation of an appliance's IR; {@link Pipeline} lists them in order. */
public interface Pass {
    /** The name `applc explain --dump-after` and `--skip` use: the class name, as in `FoldConstants`. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** One sentence: what the pass does. */
    String description();

    void run(IrAppliance ir);
}
