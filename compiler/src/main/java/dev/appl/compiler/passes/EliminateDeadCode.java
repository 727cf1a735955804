package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrStmt;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes what cannot run or matters to nobody: statements after one that ends the path, pure
 * assignments to locals nobody reads (among them the offsets of headers whose fields are never
 * read, so those are never loaded), empty branches, and scopes nothing leaves early.
 */
public final class EliminateDeadCode implements Pass {
    @Override
    public String description() {
        return "unreachable statements, unread locals and empty branches are removed";
    }

    @Override
    public void run(IrAppliance ir) {
        for (IrFunction f : Functions.all(ir)) {
            // Removing one assignment can leave another unread: repeat until nothing changes.
            for (int round = 0; round < 16; round++) {
                Uses uses = Uses.of(f);
                String before = f.body().toString();
                new IrRewriter() {
                    @Override
                    List<IrStmt> after(IrStmt s) {
                        return switch (s) {
                            case IrStmt.Assign a when uses.reads(a.target()) == 0 && Uses.pure(a.value()) -> List.of();
                            case IrStmt.If i when i.then().statements().isEmpty() && i.orElse().statements().isEmpty()
                                    && Uses.pure(i.condition()) -> List.of();
                            case IrStmt.Scoped sc when !leaves(sc.body()) -> sc.body().statements();
                            // A `leave` that ends its scope's own statements leaves nothing early.
                            case IrStmt.Scoped sc when !sc.body().statements().isEmpty()
                                    && sc.body().statements().getLast() instanceof IrStmt.Leave -> List.of(
                                    new IrStmt.Scoped(new IrStmt.Block(sc.body().statements()
                                            .subList(0, sc.body().statements().size() - 1))));
                            case IrStmt.Eval e when Uses.pure(e.expr()) -> List.of();
                            default -> List.of(s);
                        };
                    }

                    @Override
                    List<IrStmt> afterBlock(List<IrStmt> statements) {
                        List<IrStmt> out = new ArrayList<>();
                        for (IrStmt s : statements) {
                            out.add(s);
                            if (ends(s)) {
                                break;
                            }
                        }
                        return out;
                    }
                }.rewrite(f);
                if (f.body().toString().equals(before)) {
                    break;
                }
            }
        }
    }

    /** Whether control never continues after this statement in its block. */
    private static boolean ends(IrStmt s) {
        return s instanceof IrStmt.Fate || s instanceof IrStmt.Return || s instanceof IrStmt.Break
                || s instanceof IrStmt.Continue || s instanceof IrStmt.Leave;
    }

    /** Whether a {@code leave} in this block (not inside a nested scope) exits the scope that holds it. */
    private static boolean leaves(IrStmt.Block b) {
        for (IrStmt s : b.statements()) {
            boolean found = switch (s) {
                case IrStmt.Leave l -> true;
                case IrStmt.If i -> leaves(i.then()) || leaves(i.orElse());
                case IrStmt.Switch sw -> sw.cases().stream().anyMatch(c -> leaves(c.body())) || leaves(sw.otherwise());
                case IrStmt.Loop l -> leaves(l.body());
                case IrStmt.MapGet g -> leaves(g.missing());
                case IrStmt.StoreGet g -> leaves(g.missing());
                case IrStmt.Apply a -> a.actions().stream().anyMatch(c -> leaves(c.body()));
                default -> false; // a nested Scoped catches its own leaves
            };
            if (found) {
                return true;
            }
        }
        return false;
    }
}
