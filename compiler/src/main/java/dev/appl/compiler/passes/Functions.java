package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrFunction;
import java.util.ArrayList;
import java.util.List;

/** Every function of an appliance that holds code: its functions, its handlers and its frame sizes. */
final class Functions {
    private Functions() {}

    static List<IrFunction> all(IrAppliance ir) {
        List<IrFunction> out = new ArrayList<>(ir.functions);
        ir.handlers.forEach(h -> out.add(h.function()));
        out.addAll(ir.frameSizes());
        return out;
    }
}
