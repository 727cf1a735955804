package dev.appl.language.syntax;

import dev.appl.language.ast.CompilationUnit;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Name;
import dev.appl.language.ast.Pattern;
import dev.appl.language.ast.Stmt;
import dev.appl.language.ast.TypeRef;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import dev.appl.language.syntax.ApplParser.*;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ParseTree;

/**
 * Builds the immutable syntax tree from ANTLR's concrete tree. The concrete tree may have holes
 * where the parser recovered from an error: every accessor here tolerates a missing child and
 * puts a placeholder ({@code Expr.Error}, an empty name) in its place, since the error itself has
 * been reported already.
 */
final class AstBuilder {
    private static final String MISSING = "<missing>";

    private final Source source;
    private final CommonTokenStream tokens;
    private final Diagnostics diagnostics;

    AstBuilder(Source source, CommonTokenStream tokens, Diagnostics diagnostics) {
        this.source = source;
        this.tokens = tokens;
        this.diagnostics = diagnostics;
    }

    CompilationUnit file(FileContext ctx) {
        List<CompilationUnit.Import> imports = map(ctx.importDecl(), this::importDecl);
        List<Decl> decls = new ArrayList<>();
        for (TopDeclContext top : ctx.topDecl()) {
            Decl d = topDecl(top);
            if (d != null) {
                decls.add(d);
            }
        }
        return new CompilationUnit(source, imports, decls, new Span(source, 0, source.text().length()));
    }

    // ---- Modules ------------------------------------------------------------------------------

    private CompilationUnit.Import importDecl(ImportDeclContext ctx) {
        List<Name> path = ctx.modulePath() == null ? List.of(missing(ctx)) : map(ctx.modulePath().name(), this::name);
        List<CompilationUnit.ImportItem> items = map(ctx.importItem(),
                i -> new CompilationUnit.ImportItem(name(i.name(0), i), i.name().size() > 1 ? name(i.name(1), i) : null,
                        span(i)));
        Name alias = ctx.AS() != null ? name(ctx.name(), ctx) : null;
        return new CompilationUnit.Import(path, items, alias, span(ctx));
    }

    private Decl topDecl(TopDeclContext ctx) {
        if (ctx.constDecl() != null) return constDecl(ctx.constDecl());
        if (ctx.enumDecl() != null) return enumDecl(ctx.enumDecl());
        if (ctx.headerDecl() != null) return headerDecl(ctx.headerDecl());
        if (ctx.structDecl() != null) return structDecl(ctx.structDecl());
        if (ctx.fnDecl() != null) return fnDecl(ctx.fnDecl());
        if (ctx.parserDecl() != null) return parserDecl(ctx.parserDecl());
        if (ctx.applianceDecl() != null) return applianceDecl(ctx.applianceDecl());
        return null;
    }

    // ---- Types and data -----------------------------------------------------------------------

    private Decl.Const constDecl(ConstDeclContext ctx) {
        return new Decl.Const(doc(ctx), name(ctx.name(), ctx), type(ctx.type(), ctx), expr(ctx.expr(), ctx), span(ctx));
    }

    private Decl.Enum enumDecl(EnumDeclContext ctx) {
        List<Decl.EnumCase> cases = map(ctx.enumCase(),
                c -> new Decl.EnumCase(doc(c), name(c.name(), c), c.expr() != null ? expr(c.expr(), c) : null, span(c)));
        return new Decl.Enum(doc(ctx), name(ctx.name(), ctx), ctx.type() != null ? type(ctx.type(), ctx) : null, cases,
                span(ctx));
    }

    private Decl.Header headerDecl(HeaderDeclContext ctx) {
        List<Decl.HeaderField> fields = map(ctx.headerField(), f -> {
            ExprContext length = f.LBRACK() != null && !f.expr().isEmpty() ? f.expr(0) : null;
            ExprContext value = f.ASSIGN() != null ? f.expr(f.expr().size() - 1) : null;
            return new Decl.HeaderField(doc(f), name(f.name(), f), type(f.type(), f),
                    f.LBRACK() != null ? expr(length, f) : null, f.LE() != null,
                    f.ASSIGN() != null ? expr(value, f) : null, span(f));
        });
        return new Decl.Header(doc(ctx), name(ctx.name(), ctx), fields, span(ctx));
    }

    private Decl.Struct structDecl(StructDeclContext ctx) {
        List<Decl.StructField> fields = map(ctx.structField(),
                f -> new Decl.StructField(doc(f), name(f.name(), f), type(f.type(), f), span(f)));
        return new Decl.Struct(doc(ctx), name(ctx.name(), ctx), fields, span(ctx));
    }

    private TypeRef type(TypeContext ctx, ParserRuleContext parent) {
        return switch (ctx) {
            case NamedTypeContext n when n.qualifiedName() != null ->
                    new TypeRef.Named(map(n.qualifiedName().name(), this::name), span(n));
            case ArrayTypeContext a -> new TypeRef.Array(type(a.type(), a), expr(a.expr(), a), span(a));
            case null, default -> new TypeRef.Named(List.of(missing(parent)), ctx == null ? end(parent) : span(ctx));
        };
    }

    private Decl.Fn fnDecl(FnDeclContext ctx) {
        return new Decl.Fn(doc(ctx), name(ctx.name(), ctx), params(ctx.paramList()),
                ctx.type() != null ? type(ctx.type(), ctx) : null, block(ctx.block(), ctx), span(ctx));
    }

    private List<Decl.Param> params(ParamListContext ctx) {
        if (ctx == null) {
            return List.of();
        }
        return map(ctx.param(), p -> new Decl.Param(name(p.name(), p), type(p.type(), p), span(p)));
    }

    // ---- Parsers ------------------------------------------------------------------------------

    private Decl.Parser parserDecl(ParserDeclContext ctx) {
        Decl.ParserState start = parserBody(new Name("start", span(ctx.parserBody() != null ? ctx.parserBody() : ctx)),
                ctx.parserBody(), ctx);
        List<Decl.ParserState> states = map(ctx.parserState(), s -> parserBody(name(s.name(), s), s.parserBody(), s));
        return new Decl.Parser(doc(ctx), name(ctx.name(), ctx), params(ctx.paramList()), start, states, span(ctx));
    }

    private Decl.ParserState parserBody(Name name, ParserBodyContext body, ParserRuleContext owner) {
        if (body == null) {
            return new Decl.ParserState(name, List.of(), null, span(owner));
        }
        List<Decl.Extract> extracts = map(body.extractStmt(),
                e -> new Decl.Extract(name(e.name(), e), type(e.type(), e), span(e)));
        return new Decl.ParserState(name, extracts, body.transition() != null ? transition(body.transition()) : null,
                span(owner));
    }

    private Decl.Transition transition(TransitionContext ctx) {
        return switch (ctx) {
            case AcceptTransitionContext a -> new Decl.Accept(span(a));
            case RejectTransitionContext r -> new Decl.Reject(span(r));
            case GotoTransitionContext g -> new Decl.Goto(name(g.name(), g), span(g));
            case SelectTransitionContext s -> new Decl.Select(expr(s.expr(), s), map(s.selectCase(), c -> {
                TargetContext t = c.target();
                Name target = t == null ? missing(c)
                        : t.name() != null ? name(t.name(), t) : new Name(t.getText(), span(t));
                return new Decl.SelectCase(map(c.pattern(), this::pattern), target, span(c));
            }), span(s));
            default -> new Decl.Accept(span(ctx));
        };
    }

    // ---- Appliances ---------------------------------------------------------------------------

    private Decl.Appliance applianceDecl(ApplianceDeclContext ctx) {
        List<Decl> members = new ArrayList<>();
        for (MemberContext m : ctx.member()) {
            Decl d = member(m);
            if (d != null) {
                members.add(d);
            }
        }
        return new Decl.Appliance(doc(ctx), name(ctx.name(), ctx), members, span(ctx));
    }

    private Decl member(MemberContext ctx) {
        if (ctx.constDecl() != null) return constDecl(ctx.constDecl());
        if (ctx.paramDecl() != null) return paramDecl(ctx.paramDecl());
        if (ctx.portDecl() != null) return portDecl(ctx.portDecl());
        if (ctx.sessionDecl() != null) return sessionDecl(ctx.sessionDecl());
        if (ctx.counterDecl() != null) {
            return new Decl.Counter(doc(ctx.counterDecl()), name(ctx.counterDecl().name(), ctx.counterDecl()),
                    span(ctx.counterDecl()));
        }
        if (ctx.mapDecl() != null) return mapDecl(ctx.mapDecl());
        if (ctx.timerDecl() != null) {
            TimerDeclContext t = ctx.timerDecl();
            return new Decl.Timer(doc(t), name(t.name(), t), expr(t.expr(), t), span(t));
        }
        if (ctx.storeDecl() != null) return storeDecl(ctx.storeDecl());
        if (ctx.parserDecl() != null) return parserDecl(ctx.parserDecl());
        if (ctx.actionDecl() != null) {
            ActionDeclContext a = ctx.actionDecl();
            return new Decl.Action(doc(a), name(a.name(), a), params(a.paramList()), block(a.block(), a), span(a));
        }
        if (ctx.tableDecl() != null) return tableDecl(ctx.tableDecl());
        if (ctx.fnDecl() != null) return fnDecl(ctx.fnDecl());
        if (ctx.handlerDecl() != null) return handlerDecl(ctx.handlerDecl());
        if (ctx.testDecl() != null) return testDecl(ctx.testDecl());
        return null;
    }

    private Decl.ParamDecl paramDecl(ParamDeclContext ctx) {
        return new Decl.ParamDecl(doc(ctx), name(ctx.name(), ctx), type(ctx.type(), ctx),
                ctx.expr() != null ? expr(ctx.expr(), ctx) : null, ctx.BUILD() != null, span(ctx));
    }

    private Decl.Port portDecl(PortDeclContext ctx) {
        Expr max = null;
        Expr connections = null;
        for (PortOptionContext o : ctx.portOption()) {
            switch (o) {
                case MaxOptionContext m -> max = once(max, expr(m.expr(), m), "max", m);
                case ConnectionsOptionContext c -> connections = once(connections, expr(c.expr(), c), "connections", c);
                default -> {}
            }
        }
        Expr.StringLit binding = ctx.STRING() != null ? (Expr.StringLit) literal(ctx.STRING().getSymbol()) : null;
        return new Decl.Port(doc(ctx), name(ctx.name(0), ctx), name(ctx.name().size() > 1 ? ctx.name(1) : null, ctx),
                framing(ctx.framing()), max, connections, binding, span(ctx));
    }

    private Decl.Framing framing(FramingContext f) {
        return f == null ? null
                : new Decl.Framing(f.type() != null ? type(f.type(), f) : null,
                        f.BY() != null ? qualifiedName(f.qualifiedName()) : null,
                        f.SIZE_KW() != null ? expr(f.expr(), f) : null, span(f));
    }

    private Decl.Session sessionDecl(SessionDeclContext ctx) {
        List<Decl.SessionVar> vars = new ArrayList<>();
        List<Decl.Phase> phases = new ArrayList<>();
        for (SessionMemberContext m : ctx.sessionMember()) {
            switch (m) {
                case SessionVarContext v -> vars.add(new Decl.SessionVar(doc(v), name(v.name(), v), type(v.type(), v),
                        expr(v.expr(), v), span(v)));
                case PhaseDeclContext p -> phases.add(new Decl.Phase(doc(p), name(p.name(), p), framing(p.framing()),
                        span(p)));
                default -> {}
            }
        }
        return new Decl.Session(doc(ctx), name(ctx.name(), ctx), vars, phases, span(ctx));
    }

    private Decl.MapDecl mapDecl(MapDeclContext ctx) {
        Expr capacity = null;
        Expr expire = null;
        boolean lru = false;
        boolean shared = false;
        for (MapOptionContext o : ctx.mapOption()) {
            switch (o) {
                case CapacityOptionContext c -> capacity = once(capacity, expr(c.expr(), c), "capacity", c);
                case ExpireOptionContext e -> expire = once(expire, expr(e.expr(), e), "expire", e);
                case LruOptionContext l -> lru = true;
                case SharedOptionContext s -> shared = true;
                default -> {}
            }
        }
        return new Decl.MapDecl(doc(ctx), name(ctx.name(), ctx), type(ctx.type(0), ctx),
                type(ctx.type().size() > 1 ? ctx.type(1) : null, ctx), capacity, expire, lru, shared, span(ctx));
    }

    private Decl.Store storeDecl(StoreDeclContext ctx) {
        List<Decl.NamedArg> args = map(ctx.namedArg(),
                a -> new Decl.NamedArg(name(a.name(), a), expr(a.expr(), a), span(a)));
        return new Decl.Store(doc(ctx), name(ctx.name(0), ctx), name(ctx.name().size() > 1 ? ctx.name(1) : null, ctx),
                args, span(ctx));
    }

    private Decl.Table tableDecl(TableDeclContext ctx) {
        List<Decl.TableKey> keys = null;
        List<Name> actions = null;
        Decl.ActionCall defaultAction = null;
        Expr size = null;
        List<Decl.TableEntry> entries = null;
        boolean constEntries = false;
        Expr load = null;
        for (TablePropContext p : ctx.tableProp()) {
            switch (p) {
                case KeyPropContext k -> keys = once(keys, map(k.tableKey(),
                        key -> new Decl.TableKey(expr(key.expr(), key), name(key.name(), key), span(key))), "key", k);
                case ActionsPropContext a -> actions = once(actions, map(a.name(), this::name), "actions", a);
                case DefaultPropContext d -> defaultAction = once(defaultAction, actionCall(d.actionCall(), d), "default", d);
                case SizePropContext s -> size = once(size, expr(s.expr(), s), "size", s);
                case EntriesPropContext e -> {
                    entries = once(entries, map(e.tableEntry(), this::tableEntry), "entries", e);
                    constEntries = e.CONST() != null;
                }
                case LoadPropContext l -> load = once(load, expr(l.expr(), l), "load", l);
                default -> {}
            }
        }
        return new Decl.Table(doc(ctx), name(ctx.name(), ctx), params(ctx.paramList()),
                keys == null ? List.of() : keys, actions == null ? List.of() : actions, defaultAction, size,
                entries == null ? List.of() : entries, constEntries, load, span(ctx));
    }

    /** A property given twice is reported, and the first one kept. */
    private <T> T once(T previous, T next, String property, ParserRuleContext ctx) {
        if (previous != null) {
            diagnostics.report(DiagnosticCode.INVALID_DECLARATION, span(ctx), "`" + property + "` is given twice");
            return previous;
        }
        return next;
    }

    private Decl.TableEntry tableEntry(TableEntryContext ctx) {
        return new Decl.TableEntry(map(ctx.pattern(), this::pattern), actionCall(ctx.actionCall(), ctx), span(ctx));
    }

    private Decl.ActionCall actionCall(ActionCallContext ctx, ParserRuleContext parent) {
        if (ctx == null) {
            return new Decl.ActionCall(missing(parent), List.of(), end(parent));
        }
        return new Decl.ActionCall(name(ctx.name(), ctx), args(ctx.argList()), span(ctx));
    }

    private Decl.Handler handlerDecl(HandlerDeclContext ctx) {
        return switch (ctx) {
            case TimerHandlerContext t -> new Decl.Handler(doc(t), new Name("timer", span(t.TIMER().getSymbol())), null,
                    null, name(t.name(), t), null, block(t.block(), t), span(t));
            case PortHandlerContext p -> new Decl.Handler(doc(p), name(p.name(0), p),
                    name(p.name().size() > 1 ? p.name(1) : null, p), p.type() != null ? type(p.type(), p) : null,
                    name(p.name().size() > 2 ? p.name(2) : null, p),
                    p.IN() != null ? name(p.name().size() > 3 ? p.name(3) : null, p) : null, block(p.block(), p),
                    span(p));
            default -> new Decl.Handler(doc(ctx), missing(ctx), null, null, missing(ctx), null,
                    new Stmt.Block(List.of(), span(ctx)), span(ctx));
        };
    }

    private Decl.Test testDecl(TestDeclContext ctx) {
        Expr.StringLit title = ctx.STRING() != null ? (Expr.StringLit) literal(ctx.STRING().getSymbol())
                : new Expr.StringLit(MISSING, span(ctx));
        List<Decl.TestStmt> stmts = new ArrayList<>();
        for (TestStmtContext s : ctx.testStmt()) {
            stmts.add(switch (s) {
                case SendStmtContext send -> new Decl.Send(name(send.name(), send), expr(send.expr(), send), span(send));
                case ExpectDropContext d -> new Decl.ExpectDrop(span(d));
                case ConnectStmtContext c -> new Decl.Connect(name(c.name(), c), span(c));
                case ExpectCloseContext c -> expectClose(c);
                case ExpectPhaseContext p -> expectPhase(p);
                case ExpectForwardContext f -> new Decl.ExpectForward(name(f.name(), f),
                        f.expr() != null ? expr(f.expr(), f) : null, span(f));
                case ExpectReplyContext r -> new Decl.ExpectReply(r.expr() != null ? expr(r.expr(), r) : null, span(r));
                case ExpectStateContext e -> new Decl.ExpectState(expr(e.expr(), e), span(e));
                case TestLetContext l -> new Decl.TestLet(name(l.name(), l), l.type() != null ? type(l.type(), l) : null,
                        expr(l.expr(), l), span(l));
                default -> new Decl.ExpectState(new Expr.Error(span(s)), span(s));
            });
        }
        return new Decl.Test(doc(ctx), title, stmts, span(ctx));
    }

    /** {@code expect phase == NAME}, also read as the comparison it is where a value is named {@code phase}. */
    private Decl.ExpectPhase expectPhase(ExpectPhaseContext ctx) {
        Name word = new Name(ctx.PHASE().getText(), span(ctx.PHASE().getSymbol()));
        Name phase = name(ctx.name(), ctx);
        Expr.Binary comparison = new Expr.Binary(Expr.BinaryOp.EQ, new Expr.NameRef(word, word.span()),
                new Expr.NameRef(phase, phase.span()), new Span(source, word.span().start(), phase.span().end()));
        return new Decl.ExpectPhase(phase, comparison, span(ctx));
    }

    /** {@code expect close}, also read as the name it is where a value is named {@code close}. */
    private Decl.ExpectClose expectClose(ExpectCloseContext ctx) {
        Name word = new Name(ctx.CLOSE().getText(), span(ctx.CLOSE().getSymbol()));
        return new Decl.ExpectClose(new Expr.NameRef(word, word.span()), span(ctx));
    }

    // ---- Statements ---------------------------------------------------------------------------

    private Stmt.Block block(BlockContext ctx, ParserRuleContext parent) {
        if (ctx == null) {
            return new Stmt.Block(List.of(), end(parent));
        }
        return new Stmt.Block(map(ctx.statement(), this::statement), span(ctx));
    }

    private Stmt statement(StatementContext ctx) {
        return switch (ctx) {
            case LetStmtContext l -> new Stmt.Let(name(l.name(), l), l.type() != null ? type(l.type(), l) : null,
                    expr(l.expr(), l), l.ELSE() != null ? block(l.block(), l) : null, false, span(l));
            case VarStmtContext v -> new Stmt.Let(name(v.name(), v), v.type() != null ? type(v.type(), v) : null,
                    expr(v.expr(), v), null, true, span(v));
            case IfStmtContext i -> ifStatement(i.ifStatement());
            case MatchStmtContext m -> new Stmt.Match(expr(m.expr(), m), map(m.matchArm(), this::matchArm), span(m));
            case ForStmtContext f -> new Stmt.For(name(f.name(), f), expr(f.expr(0), f),
                    expr(f.expr().size() > 1 ? f.expr(1) : null, f), f.MAX() != null ? expr(f.expr(f.expr().size() - 1), f)
                    : null, block(f.block(), f), span(f));
            case BreakStmtContext b -> new Stmt.Break(span(b));
            case ContinueStmtContext c -> new Stmt.Continue(span(c));
            case ReturnStmtContext r -> new Stmt.Return(r.expr() != null ? expr(r.expr(), r) : null, span(r));
            case ForwardStmtContext f -> new Stmt.Forward(name(f.name(), f), span(f));
            case ReplyStmtContext r -> new Stmt.Reply(r.expr() != null ? expr(r.expr(), r) : null, span(r));
            case DropStmtContext d -> new Stmt.Drop(span(d));
            case EnterStmtContext e -> new Stmt.Enter(name(e.name(), e), span(e));
            case CloseStmtContext c -> new Stmt.Close(span(c));
            case PushStmtContext p -> new Stmt.Push(expr(p.expr(0), p), p.AFTER() != null,
                    expr(p.expr().size() > 1 ? p.expr(1) : null, p), span(p));
            case PopStmtContext p -> new Stmt.Pop(expr(p.expr(), p), span(p));
            case AssignStmtContext a -> new Stmt.Assign(place(a.place()),
                    a.op == null ? Stmt.AssignOp.SET : Stmt.AssignOp.bySymbol(a.op.getText()), expr(a.expr(), a), span(a));
            case CallStmtContext c -> new Stmt.ExprStmt(
                    new Expr.Call(place(c.place()), args(c.argList()), span(c)), span(c));
            default -> new Stmt.ExprStmt(new Expr.Error(span(ctx)), span(ctx));
        };
    }

    private Stmt.If ifStatement(IfStatementContext ctx) {
        Stmt.Block orElse = null;
        if (ctx.ifStatement() != null) {
            Stmt.If nested = ifStatement(ctx.ifStatement());
            orElse = new Stmt.Block(List.of(nested), nested.span());
        } else if (ctx.ELSE() != null) {
            orElse = block(ctx.block().size() > 1 ? ctx.block(1) : null, ctx);
        }
        return new Stmt.If(expr(ctx.expr(), ctx), block(ctx.block().isEmpty() ? null : ctx.block(0), ctx), orElse,
                span(ctx));
    }

    private Stmt.MatchArm matchArm(MatchArmContext ctx) {
        Stmt.Block body;
        if (ctx.block() != null) {
            body = block(ctx.block(), ctx);
        } else if (ctx.statement() != null) {
            Stmt s = statement(ctx.statement());
            body = new Stmt.Block(List.of(s), s.span());
        } else {
            body = new Stmt.Block(List.of(), end(ctx));
        }
        return new Stmt.MatchArm(map(ctx.pattern(), this::pattern), body, span(ctx));
    }

    /** {@code std.proto.resp.frame_length} as a name with fields: resolved like a call's callee. */
    private Expr qualifiedName(QualifiedNameContext ctx) {
        Expr result = null;
        int start = ctx.getStart().getStartIndex();
        for (NameContext n : ctx.name()) {
            Name name = name(n, ctx);
            result = result == null ? new Expr.NameRef(name, name.span())
                    : new Expr.Field(result, name, new Span(source, start, name.span().end()));
        }
        return result;
    }

    /** {@code a.b[i].c}: the children alternate between names and index expressions. */
    private Expr place(PlaceContext ctx) {
        if (ctx == null || ctx.name().isEmpty()) {
            return new Expr.Error(ctx == null ? new Span(source, 0, 0) : span(ctx));
        }
        Expr result = null;
        int start = ctx.getStart().getStartIndex();
        for (ParseTree child : ctx.children) {
            if (child instanceof NameContext n) {
                Name name = name(n, ctx);
                result = result == null ? new Expr.NameRef(name, name.span())
                        : new Expr.Field(result, name, new Span(source, start, name.span().end()));
            } else if (child instanceof ExprContext e && result != null) {
                Expr index = expr(e, ctx);
                result = new Expr.Index(result, index, new Span(source, start, index.span().end() + 1));
            }
        }
        return result;
    }

    private Pattern pattern(PatternContext ctx) {
        return switch (ctx) {
            case RangePatternContext r -> new Pattern.Range(expr(r.expr(0), r), expr(r.expr().size() > 1 ? r.expr(1) : null,
                    r), span(r));
            case MaskPatternContext m -> new Pattern.Mask(expr(m.expr(0), m), expr(m.expr().size() > 1 ? m.expr(1) : null,
                    m), span(m));
            case ValuePatternContext v -> {
                Expr e = expr(v.expr(), v);
                yield e instanceof Expr.NameRef n && n.name().text().equals("_") ? new Pattern.Wildcard(span(v))
                        : new Pattern.Value(e, span(v));
            }
            default -> new Pattern.Wildcard(span(ctx));
        };
    }

    // ---- Expressions --------------------------------------------------------------------------

    private List<Expr> args(ArgListContext ctx) {
        return ctx == null ? List.of() : map(ctx.expr(), e -> expr(e, ctx));
    }

    private Expr expr(ExprContext ctx, ParserRuleContext parent) {
        if (ctx == null) {
            return new Expr.Error(end(parent));
        }
        Span span = span(ctx);
        return switch (ctx) {
            case PrimaryExprContext p -> primary(p.primary(), p);
            case FieldExprContext f -> new Expr.Field(expr(f.expr(), f), name(f.name(), f), span);
            case CallExprContext c -> new Expr.Call(expr(c.expr(), c), args(c.argList()), span);
            case IndexExprContext i -> new Expr.Index(expr(i.expr(0), i), expr(i.expr().size() > 1 ? i.expr(1) : null, i),
                    span);
            case CastExprContext c -> new Expr.Cast(expr(c.expr(), c), type(c.type(), c), span);
            case UnaryExprContext u -> new Expr.Unary(switch (u.op.getType()) {
                case ApplLexer.MINUS -> Expr.UnaryOp.NEG;
                case ApplLexer.TILDE -> Expr.UnaryOp.BIT_NOT;
                default -> Expr.UnaryOp.NOT;
            }, expr(u.expr(), u), span);
            case BinaryExprContext b -> new Expr.Binary(Expr.BinaryOp.bySymbol(b.op.getText()), expr(b.expr(0), b),
                    expr(b.expr().size() > 1 ? b.expr(1) : null, b), span);
            default -> new Expr.Error(span);
        };
    }

    private Expr primary(PrimaryContext ctx, ParserRuleContext parent) {
        if (ctx == null) {
            return new Expr.Error(end(parent));
        }
        Span span = span(ctx);
        return switch (ctx) {
            case LiteralPrimaryContext l -> literal(l.literal().getStart());
            case NamePrimaryContext n -> new Expr.NameRef(name(n.name(), n), span);
            case ParenPrimaryContext p -> expr(p.expr(), p);
            case StructLiteralContext s -> new Expr.StructLit(
                    new TypeRef.Named(map(s.qualifiedName().name(), this::name), span(s.qualifiedName())),
                    map(s.fieldInit(), f -> new Expr.FieldInit(name(f.name(), f), expr(f.expr(), f), span(f))), span);
            case ArrayLiteralContext a -> new Expr.ArrayLit(map(a.expr(), e -> expr(e, a)), span);
            default -> new Expr.Error(span);
        };
    }

    private Expr literal(Token t) {
        Span span = span(t);
        String text = t.getText();
        return switch (t.getType()) {
            case ApplLexer.TRUE -> new Expr.BoolLit(true, span);
            case ApplLexer.FALSE -> new Expr.BoolLit(false, span);
            case ApplLexer.INT -> new Expr.IntLit(integer(text, span), text, span);
            case ApplLexer.SIZE_LIT -> sizeLiteral(text, span);
            case ApplLexer.DURATION_LIT -> durationLiteral(text, span);
            case ApplLexer.IP4 -> new Expr.AddressLit(Expr.AddressKind.IP4, Literals.ip4(text, this::invalid, span), -1,
                    text, span);
            case ApplLexer.IP6 -> new Expr.AddressLit(Expr.AddressKind.IP6, Literals.ip6(text, this::invalid, span), -1,
                    text, span);
            case ApplLexer.MAC -> new Expr.AddressLit(Expr.AddressKind.MAC, Literals.mac(text), -1, text, span);
            case ApplLexer.IP4_PREFIX -> Literals.prefix(Expr.AddressKind.IP4, text, this::invalid, span);
            case ApplLexer.IP6_PREFIX -> Literals.prefix(Expr.AddressKind.IP6, text, this::invalid, span);
            case ApplLexer.STRING -> new Expr.StringLit(Literals.unescape(text, this::invalid, span), span);
            case ApplLexer.BYTES -> new Expr.BytesLit(Literals.hexBytes(text, this::invalid, span), span);
            default -> new Expr.Error(span);
        };
    }

    private BigInteger integer(String text, Span span) {
        return Literals.integer(text, this::invalid, span);
    }

    private Expr sizeLiteral(String text, Span span) {
        int unitAt = Literals.unitStart(text);
        BigInteger n = Literals.integer(text.substring(0, unitAt), this::invalid, span);
        return new Expr.SizeLit(fits64(n.multiply(BigInteger.valueOf(Literals.sizeUnit(text.substring(unitAt)))),
                span), text, span);
    }

    private Expr durationLiteral(String text, Span span) {
        int unitAt = Literals.unitStart(text);
        BigInteger n = Literals.integer(text.substring(0, unitAt), this::invalid, span);
        return new Expr.DurationLit(fits64(n.multiply(BigInteger.valueOf(Literals.durationUnit(text.substring(unitAt)))),
                span), text, span);
    }

    /** Sizes and durations are 64-bit quantities (bytes, nanoseconds). */
    private BigInteger fits64(BigInteger v, Span span) {
        if (v.bitLength() > 64) {
            invalid(span, "larger than 64 bits in its base unit (bytes or nanoseconds)");
            return BigInteger.ZERO;
        }
        return v;
    }

    private void invalid(Span span, String why) {
        diagnostics.report(DiagnosticCode.INVALID_LITERAL, span, span.text(), why);
    }

    // ---- Names, spans, docs -------------------------------------------------------------------

    private Name name(NameContext ctx, ParserRuleContext parent) {
        if (ctx == null || ctx.getStart() == null || ctx.getStart().getType() == Token.EOF) {
            return missing(parent);
        }
        return new Name(ctx.getText(), span(ctx));
    }

    private Name name(NameContext ctx) {
        return name(ctx, ctx);
    }

    private Name missing(ParserRuleContext parent) {
        return new Name(MISSING, end(parent));
    }

    private Span span(ParserRuleContext ctx) {
        Token start = ctx.getStart();
        Token stop = ctx.getStop();
        if (start == null || start.getType() == Token.EOF) {
            int at = start == null ? 0 : Math.min(start.getStartIndex(), source.text().length());
            return new Span(source, Math.max(0, at), Math.max(0, at));
        }
        int end = stop == null || stop.getStopIndex() < start.getStartIndex() || stop.getType() == Token.EOF
                ? start.getStopIndex() + 1 : stop.getStopIndex() + 1;
        return new Span(source, start.getStartIndex(), end);
    }

    private Span span(Token t) {
        return new Span(source, t.getStartIndex(), t.getStopIndex() + 1);
    }

    private Span end(ParserRuleContext ctx) {
        Span s = span(ctx);
        return new Span(source, s.end(), s.end());
    }

    private String doc(ParserRuleContext ctx) {
        Token start = ctx.getStart();
        if (start == null || start.getTokenIndex() < 0) {
            return "";
        }
        List<Token> hidden = tokens.getHiddenTokensToLeft(start.getTokenIndex(), ApplLexer.COMMENTS);
        if (hidden == null) {
            return "";
        }
        // Only the doc comments directly above, not ones separated by another kind of comment.
        List<String> lines = new ArrayList<>();
        for (int i = hidden.size() - 1; i >= 0 && hidden.get(i).getType() == ApplLexer.DOC_COMMENT; i--) {
            String line = hidden.get(i).getText().substring(3).stripTrailing();
            lines.addFirst(line.startsWith(" ") ? line.substring(1) : line);
        }
        return String.join("\n", lines);
    }

    private static <C, T> List<T> map(List<C> items, Function<C, T> f) {
        List<T> out = new ArrayList<>(items.size());
        for (C item : items) {
            out.add(f.apply(item));
        }
        return List.copyOf(out);
    }
}
