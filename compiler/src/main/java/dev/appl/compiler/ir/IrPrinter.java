package dev.appl.compiler.ir;

import dev.appl.language.types.Type;
import dev.appl.runtime.kernel.Kernel;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The IR as text: what `applc explain --dump-after` prints and what golden IR tests compare.
 * Deterministic: the same IR always prints the same way.
 */
public final class IrPrinter {
    private final StringBuilder out = new StringBuilder();
    private final IrAppliance ir;

    private IrPrinter(IrAppliance ir) {
        this.ir = ir;
    }

    public static String print(IrAppliance ir) {
        IrPrinter p = new IrPrinter(ir);
        p.appliance();
        return p.out.toString();
    }

    private void appliance() {
        line(0, "appliance " + ir.name());
        for (int i = 0; i < ir.ports.size(); i++) {
            IrAppliance.Port p = ir.ports.get(i);
            boolean session = !p.phases().isEmpty();
            line(1, "port " + i + " " + p.name() + ": " + p.kind()
                    + (p.framing() == null || session ? "" : " framed " + p.framing().text())
                    + (p.connections() == IrAppliance.Port.DEFAULT_CONNECTIONS ? "" : " connections " + p.connections())
                    + (p.stateful() ? " stateful" : "")
                    + (p.binding() == null ? "" : " = \"" + p.binding() + "\""));
            for (int k = 0; k < p.phases().size(); k++) {
                line(2, "phase " + k + " " + p.phases().get(k) + " framed " + p.framings().get(k).text());
            }
            for (int k = 0; k < p.session().size(); k++) {
                IrAppliance.SessionVar v = p.session().get(k);
                line(2, "var " + slotName(Kernel.SESSION + k) + " " + v.name() + ": " + v.type().display() + " = "
                        + value(v.initial()));
            }
        }
        for (int i = 0; i < ir.params.size(); i++) {
            IrAppliance.Param p = ir.params.get(i);
            line(1, (p.buildTime() ? "build param " : "param ") + i + " " + p.name() + ": " + p.type().display()
                    + (p.value() == null ? "" : " = " + value(p.value())));
        }
        for (int i = 0; i < ir.counters.size(); i++) {
            line(1, "counter " + i + " " + ir.counters.get(i));
        }
        for (int i = 0; i < ir.maps.size(); i++) {
            IrAppliance.MapState m = ir.maps.get(i);
            line(1, "map " + i + " " + m.name() + ": " + m.key().display() + " -> " + m.value().display() + " capacity "
                    + m.capacity() + (m.expireNanos() > 0 ? " expire " + m.expireNanos() + "ns" : "")
                    + (m.lru() ? " lru" : "") + (m.shared() ? " shared" : ""));
        }
        for (int i = 0; i < ir.timers.size(); i++) {
            line(1, "timer " + i + " " + ir.timers.get(i).name() + " every " + ir.timers.get(i).periodNanos() + "ns");
        }
        for (int i = 0; i < ir.tables.size(); i++) {
            table(i, ir.tables.get(i));
        }
        for (String note : ir.notes) {
            line(1, "// " + note);
        }
        for (IrFunction f : ir.functions) {
            function("fn " + f.name(), f);
        }
        for (IrAppliance.Handler h : ir.handlers) {
            String source = h.event().equals("timer") ? ir.timers.get(h.source()).name() : ir.ports.get(h.source()).name();
            function("on " + h.event() + " " + source
                    + (h.phase() < 0 ? "" : " in " + ir.ports.get(h.source()).phases().get(h.phase())), h.function());
        }
        for (IrFunction f : ir.frameSizes()) {
            function("frame " + f.name(), f);
        }
    }

    /** A slot of a connection's state as the IR prints it: {@code phase}, {@code close}, {@code s2}... */
    private static String slotName(int slot) {
        return switch (slot) {
            case Kernel.PHASE -> "phase";
            case Kernel.CLOSE -> "close";
            default -> "s" + slot;
        };
    }

    private void table(int index, IrAppliance.Table t) {
        line(1, "table " + index + " " + t.name() + " size " + t.size() + (t.constEntries() ? " const" : "")
                + (t.loadParam() == null ? "" : " load " + t.loadParam()));
        line(2, "keys " + t.keys().stream().map(k -> k.matchKind() + " " + k.type().display())
                .collect(Collectors.joining(", ")));
        line(2, "actions " + t.actions().stream().map(a -> a.name() + "(" + a.data().stream().map(Type::display)
                .collect(Collectors.joining(", ")) + ")").collect(Collectors.joining(", ")));
        line(2, "default " + t.actions().get(t.defaultAction()).name() + values(t.defaultData()));
        for (IrAppliance.Entry e : t.entries()) {
            line(2, "entry (" + e.patterns().stream().map(IrPrinter::pattern).collect(Collectors.joining(", "))
                    + ") => " + t.actions().get(e.action()).name() + values(e.data()));
        }
    }

    private static String values(List<Object> data) {
        return "(" + data.stream().map(IrPrinter::value).collect(Collectors.joining(", ")) + ")";
    }

    private void function(String title, IrFunction f) {
        line(1, title + "(" + f.params().stream().map(p -> p + ": " + p.type().display())
                .collect(Collectors.joining(", ")) + ")" + (f.result() instanceof Type.Void ? "" : " -> "
                + f.result().display()) + " {");
        block(f.body(), 2);
        line(1, "}");
    }

    private void block(IrStmt.Block b, int depth) {
        for (IrStmt s : b.statements()) {
            stmt(s, depth);
        }
    }

    private void stmt(IrStmt s, int d) {
        switch (s) {
            case IrStmt.Assign a -> line(d, a.target() + " = " + expr(a.value()));
            case IrStmt.AssignPart a -> line(d, a.target() + a.path().stream().map(p -> "[" + expr(p) + "]")
                    .collect(Collectors.joining()) + " = " + expr(a.value()));
            case IrStmt.Store st -> line(d, "store" + field(st.width(), st.bitOffset(), st.littleEndian()) + " "
                    + st.header() + "+" + st.byteOffset() + " = " + expr(st.value()));
            case IrStmt.If i -> {
                line(d, "if " + expr(i.condition()) + " {");
                block(i.then(), d + 1);
                if (!i.orElse().statements().isEmpty()) {
                    line(d, "} else {");
                    block(i.orElse(), d + 1);
                }
                line(d, "}");
            }
            case IrStmt.Switch sw -> {
                line(d, "switch " + expr(sw.subject()) + " {");
                for (IrStmt.Case c : sw.cases()) {
                    line(d + 1, c.patterns().stream().map(IrPrinter::pattern).collect(Collectors.joining(", ")) + " => {");
                    block(c.body(), d + 2);
                    line(d + 1, "}");
                }
                line(d + 1, "_ => {");
                block(sw.otherwise(), d + 2);
                line(d + 1, "}");
                line(d, "}");
            }
            case IrStmt.Loop l -> {
                line(d, "loop " + l.counter() + " in " + expr(l.from()) + ".." + expr(l.to()) + " max " + l.max() + " {");
                block(l.body(), d + 1);
                line(d, "}");
            }
            case IrStmt.Break b -> line(d, "break");
            case IrStmt.Continue c -> line(d, "continue");
            case IrStmt.Return r -> line(d, "return" + (r.value() == null ? "" : " " + expr(r.value())));
            case IrStmt.Fate f -> line(d, switch (f.kind()) {
                case FORWARD -> "forward " + ir.ports.get(f.port()).name();
                case DROP -> "drop";
                case MALFORMED -> "malformed";
                case REPLY -> "reply" + (f.payload() == null ? "" : " " + expr(f.payload()));
            });
            case IrStmt.Require r -> line(d, "require length >= " + expr(r.end()));
            case IrStmt.CounterAdd c -> line(d, "counter " + ir.counters.get(c.counter()) + " += " + expr(c.delta()));
            case IrStmt.ConnectionSet c -> line(d, "connection " + slotName(c.slot()) + " = " + expr(c.value()));
            case IrStmt.Eval e -> line(d, "eval " + expr(e.expr()));
            case IrStmt.StoreGet g -> {
                IrAppliance.StoreState st = ir.stores.get(g.store());
                line(d, g.target() + " = store " + st.name() + (st.kind().equals("kv") ? ".get(" : ".read(")
                        + expr(g.key()) + ") else {");
                block(g.missing(), d + 1);
                line(d, "}");
            }
            case IrStmt.MapGet g -> {
                line(d, g.target() + " = map " + ir.maps.get(g.map()).name() + ".get(" + expr(g.key()) + ") else {");
                block(g.missing(), d + 1);
                line(d, "}");
            }
            case IrStmt.Apply a -> {
                IrAppliance.Table t = ir.tables.get(a.table());
                line(d, (a.result() == null ? "" : a.result() + " = ") + "apply " + (a.runtimeOnly() ? "runtime " : "")
                        + t.name() + "("
                        + a.keys().stream().map(this::expr).collect(Collectors.joining(", ")) + ") {");
                for (IrStmt.ActionCase c : a.actions()) {
                    line(d + 1, t.actions().get(c.action()).name() + "(" + c.data().stream().map(IrLocal::toString)
                            .collect(Collectors.joining(", ")) + ") => {");
                    block(c.body(), d + 2);
                    line(d + 1, "}");
                }
                line(d, "}");
            }
            case IrStmt.Insert i -> line(d, "insert " + expr(i.header()) + " at " + expr(i.at()) + " moving "
                    + i.moved().stream().map(IrLocal::toString).collect(Collectors.joining(", ")));
            case IrStmt.Remove r -> line(d, "remove " + r.header() + " length " + expr(r.length()) + " moving "
                    + r.moved().stream().map(IrLocal::toString).collect(Collectors.joining(", ")));
            case IrStmt.Scoped sc -> {
                line(d, "scope {");
                block(sc.body(), d + 1);
                line(d, "}");
            }
            case IrStmt.Leave l -> line(d, "leave");
        }
    }

    private String expr(IrExpr e) {
        return switch (e) {
            case IrExpr.Const c -> value(c.value());
            case IrExpr.Read r -> r.local().toString();
            case IrExpr.Load l -> "load" + field(l.width(), l.bitOffset(), l.littleEndian()) + " " + l.header() + "+"
                    + l.byteOffset() + (l.inPacket() ? " (in packet)" : "");
            case IrExpr.Slice s -> "slice(" + expr(s.start()) + ", " + expr(s.length()) + ")";
            case IrExpr.PacketLength p -> "length";
            case IrExpr.Unary u -> u.op().symbol + (u.op().symbol.length() > 1 ? " " : "") + expr(u.operand());
            case IrExpr.Binary b -> "(" + expr(b.left()) + " " + b.op().symbol + " " + expr(b.right()) + ")"
                    + suffix(b.type());
            case IrExpr.Convert c -> "(" + expr(c.value()) + " as " + c.type().display() + ")";
            case IrExpr.Call c -> c.function().name() + "(" + c.args().stream().map(this::expr)
                    .collect(Collectors.joining(", ")) + ")";
            case IrExpr.Aggregate a -> a.type().display() + "{" + a.parts().stream().map(this::expr)
                    .collect(Collectors.joining(", ")) + "}";
            case IrExpr.Element el -> expr(el.aggregate()) + "." + el.index();
            case IrExpr.Index i -> expr(i.target()) + "[" + expr(i.index()) + "]";
            case IrExpr.HeaderValue h -> "header " + h.type().display() + " at " + h.header() + " length "
                    + expr(h.length());
            case IrExpr.Stack s -> s.parts().stream().map(this::expr).collect(Collectors.joining(" / "));
            case IrExpr.CounterValue c -> "counter " + ir.counters.get(c.counter());
            case IrExpr.ConnectionValue c -> "connection " + slotName(c.slot());
            case IrExpr.StoreOp s -> "store " + ir.stores.get(s.store()).name() + "." + s.op() + "("
                    + s.args().stream().map(this::expr).collect(Collectors.joining(", ")) + ")";
            case IrExpr.MapOp m -> "map " + ir.maps.get(m.map()).name() + "." + m.op() + "("
                    + m.args().stream().map(this::expr).collect(Collectors.joining(", ")) + ")";
            case IrExpr.ParamValue p -> "param " + ir.params.get(p.param()).name();
            case IrExpr.Length l -> "len(" + expr(l.bytes()) + ")";
            case IrExpr.BytesSlice s -> expr(s.bytes()) + ".slice(" + expr(s.start()) + ", " + expr(s.length()) + ")";
            case IrExpr.Clock c -> "now";
            case IrExpr.TableOp t -> "table " + ir.tables.get(t.table()).name() + "." + t.op() + "("
                    + t.args().stream().map(this::expr).collect(Collectors.joining(", ")) + ")";
        };
    }

    /** The width suffix of arithmetic, where it matters for wrapping. */
    private static String suffix(Type t) {
        return t instanceof Type.Int i ? ":" + i.display() : "";
    }

    private static String field(int width, int bit, boolean littleEndian) {
        return ".u" + width + (bit == 0 ? "" : "@" + bit) + (littleEndian ? ".le" : "");
    }

    static String value(Object v) {
        return switch (v) {
            case Long l -> l > -256 && l < 256 ? String.valueOf(l) : "0x" + Long.toHexString(l);
            case BigInteger b -> "0x" + b.toString(16);
            case byte[] bytes -> "x\"" + HexFormat.of().formatHex(bytes) + "\"";
            case String s -> "\"" + s + "\"";
            case List<?> list -> "[" + list.stream().map(IrPrinter::value).collect(Collectors.joining(", ")) + "]";
            case null -> "null";
            default -> v.toString();
        };
    }

    static String pattern(IrPattern p) {
        return switch (p) {
            case IrPattern.Any a -> "_";
            case IrPattern.Exact x -> value(x.value());
            case IrPattern.Range r -> value(r.low()) + ".." + value(r.high());
            case IrPattern.Masked m -> value(m.value()) + " &&& " + value(m.mask());
        };
    }

    private void line(int depth, String text) {
        out.append("    ".repeat(depth)).append(text).append('\n');
    }
}
