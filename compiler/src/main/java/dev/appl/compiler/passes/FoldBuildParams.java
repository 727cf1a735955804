package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;

/** Replaces every read of a build param by its value, so that later passes fold what depends on it. */
public final class FoldBuildParams implements Pass {
    @Override
    public String description() {
        return "build params become constants";
    }

    @Override
    public void run(IrAppliance ir) {
        IrRewriter rewriter = new IrRewriter() {
            @Override
            IrExpr after(IrExpr e) {
                if (e instanceof IrExpr.ParamValue p) {
                    IrAppliance.Param param = ir.params.get(p.param());
                    if (param.buildTime() && param.value() != null) {
                        return new IrExpr.Const(param.value(), p.type());
                    }
                }
                return e;
            }
        };
        for (IrFunction f : Functions.all(ir)) {
            rewriter.rewrite(f);
        }
    }
}
