package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.compiler.ir.IrWalk;
import dev.appl.compiler.passes.MergeBoundsChecks.Bound;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Marks the reads of header fields that a length check has already proven to lie inside the
 * packet ({@link IrExpr.Load#inPacket()}), so that the kernel tests only that the header is valid
 * and not, on every read, where the read ends.
 *
 * <p>The proof, for each header offset local h of a handler that neither pushes nor pops (so that
 * the packet's length and the offsets stay put): h starts as a constant, and every write to h is
 * either a negative constant (not valid) or a value {@code x + b} made right after a check {@code
 * length >= x + a}, with only pure assignments to locals in between (they are substituted, as
 * {@link MergeBoundsChecks} does). A packet that fails the check takes the malformed path before h
 * is written, so whenever h holds a valid offset, its first {@code a - b} bytes (the least over its
 * writes) lie inside the packet. A read of h whose bytes end within that span is marked. The
 * parser's checks give a header its fixed size this way; a variable part (options) read beyond it
 * keeps its own check.
 */
public final class MarkLoadsInPacket implements Pass {
    @Override
    public String description() {
        return "reads a parser state's length check has proven inside the packet are marked, and skip their own range check";
    }

    @Override
    public void run(IrAppliance ir) {
        for (IrAppliance.Handler h : ir.handlers) {
            mark(h.function());
        }
    }

    private static void mark(IrFunction f) {
        boolean[] movesPacket = {false};
        Map<IrLocal, Long> span = new IdentityHashMap<>();
        IrWalk.block(f.body(), e -> {
            if (e instanceof IrExpr.Load l) {
                span.put(l.header(), Long.MAX_VALUE);
            }
        }, s -> movesPacket[0] |= s instanceof IrStmt.Insert || s instanceof IrStmt.Remove);
        if (movesPacket[0] || span.isEmpty()) {
            return;
        }
        f.params().forEach(p -> limit(span, p, 0));
        // Until its first write a local holds the kernel's zero: only locals the body sets before
        // anything else can be known.
        for (IrLocal h : span.keySet()) {
            if (!setFirst(f.body(), h)) {
                span.put(h, 0L);
            }
        }
        new Proof(span).block(f.body());
        new IrRewriter() {
            @Override
            IrExpr after(IrExpr e) {
                if (e instanceof IrExpr.Load l && !l.inPacket()
                        && (long) l.byteOffset() + l.bytes() <= span.getOrDefault(l.header(), 0L)) {
                    return new IrExpr.Load(l.header(), l.byteOffset(), l.bitOffset(), l.width(), l.littleEndian(),
                            l.type(), true);
                }
                return e;
            }
        }.rewrite(f);
    }

    /** Whether the body's first statements assign constants, h among them. */
    private static boolean setFirst(IrStmt.Block body, IrLocal h) {
        for (IrStmt s : body.statements()) {
            if (!(s instanceof IrStmt.Assign a && a.value() instanceof IrExpr.Const)) {
                return false;
            }
            if (a.target() == h) {
                return true;
            }
        }
        return false;
    }

    private static void limit(Map<IrLocal, Long> span, IrLocal h, long bytes) {
        span.computeIfPresent(h, (k, old) -> Math.min(old, bytes));
    }

    /** Walks the handler, limiting each header's span by each of its writes. */
    private record Proof(Map<IrLocal, Long> span) {
        void block(IrStmt.Block b) {
            Bound checked = null; // the last check's end, while only pure assignments follow it
            Map<IrLocal, IrExpr> since = new IdentityHashMap<>();
            for (IrStmt s : b.statements()) {
                if (s instanceof IrStmt.Require r) {
                    checked = MergeBoundsChecks.bound(r.end());
                    since.clear();
                    continue;
                }
                if (s instanceof IrStmt.Assign a && checked != null && Uses.pure(a.value())) {
                    IrExpr value = MergeBoundsChecks.substitute(a.value(), since);
                    written(a.target(), value, checked);
                    since.put(a.target(), value);
                    continue;
                }
                checked = null;
                since.clear();
                stmt(s);
            }
        }

        /** h = value, value in terms of the locals as they were at the check {@code length >= checked}. */
        private void written(IrLocal h, IrExpr value, Bound checked) {
            if (!span.containsKey(h) || negative(value)) {
                return;
            }
            Bound b = MergeBoundsChecks.bound(value);
            long bytes = MergeBoundsChecks.sameBase(b, checked) ? checked.offset() - b.offset() : 0;
            limit(span, h, Math.max(0, bytes));
        }

        private static boolean negative(IrExpr e) {
            return e instanceof IrExpr.Const c && c.value() instanceof Long v && v < 0;
        }

        private void stmt(IrStmt s) {
            switch (s) {
                case IrStmt.Assign a -> {
                    if (!negative(a.value())) {
                        limit(span, a.target(), 0);
                    }
                }
                case IrStmt.AssignPart a -> limit(span, a.target(), 0);
                case IrStmt.If i -> {
                    block(i.then());
                    block(i.orElse());
                }
                case IrStmt.Switch sw -> {
                    sw.cases().forEach(c -> block(c.body()));
                    block(sw.otherwise());
                }
                case IrStmt.Loop l -> {
                    limit(span, l.counter(), 0);
                    block(l.body());
                }
                case IrStmt.MapGet g -> {
                    limit(span, g.target(), 0);
                    block(g.missing());
                }
                case IrStmt.StoreGet g -> {
                    limit(span, g.target(), 0);
                    block(g.missing());
                }
                case IrStmt.Apply a -> {
                    if (a.result() != null) {
                        limit(span, a.result(), 0);
                    }
                    for (IrStmt.ActionCase c : a.actions()) {
                        c.data().forEach(d -> limit(span, d, 0));
                        block(c.body());
                    }
                }
                case IrStmt.Scoped sc -> block(sc.body());
                default -> {} // writes no local
            }
        }
    }
}
