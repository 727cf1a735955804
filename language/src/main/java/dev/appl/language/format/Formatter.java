package dev.appl.language.format;

import dev.appl.language.format.Layout.Kind;
import dev.appl.language.format.Printer.Blank;
import dev.appl.language.syntax.ApplParser;
import dev.appl.language.syntax.ApplParser.*;
import dev.appl.language.syntax.ApplParserBaseVisitor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.ObjIntConsumer;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Formats an .appl spec in the canonical style.
 *
 * <p>The style, which is deliberately not configurable:
 *
 * <ul>
 *   <li>4-space indentation; one import, declaration, member, statement, field, enum case, table
 *       property, table key, entry, parser state, select case and match arm per line.
 *   <li>Braces K&amp;R: the opening brace ends its line and the closing brace gets a line of its
 *       own; a body with nothing inside (not even a comment) is {@code {}}. A body with content is
 *       always broken into lines; {@code actions { a, b }} is the one brace list kept on a line
 *       (unless too long for it).
 *   <li>No optional {@code ;} or {@code ,} between statements, members, fields, keys and entries,
 *       and no trailing comma in a list on one line. Two exceptions keep the output parsing as the
 *       input did:
 *       every match arm and select case whose body is not a block ends with {@code ,} (so that
 *       {@code reply} does not take the next arm's pattern as its value), and a bare
 *       {@code return} or {@code reply} keeps its {@code ;} when the next statement is a call
 *       ({@code return; f(x)} is not {@code return f(x)}). Enum cases end with {@code ,} except the
 *       last.
 *   <li>Inline: argument and parameter lists {@code f(a, b)}, array literals {@code [1, 2]}, struct
 *       literals {@code Ipv4{src: 10.1.2.3, ttl: 64}} (name glued to the brace, no spaces inside),
 *       import lists {@code {Ipv4, IpProto}}, key tuples {@code (a, b) => act(x)}.
 *   <li>Lines are at most 100 columns wide where the code allows: a member or statement that does
 *       not fit breaks at the outermost level first, after each {@code /} of a packet stack and
 *       before each {@code and} or {@code or} (or other operator) of a long expression, with the
 *       continuation lines one level deeper, or after the {@code =} when only that makes the value
 *       fit; a list that still does not fit puts its items one per line, one level deeper, each
 *       with a trailing comma, and its closing bracket on a line of its own. See {@link Layout}.
 *   <li>Spaces around binary operators, {@code =}, {@code =>}, {@code ->}, {@code &&&} and
 *       {@code as}; one space after {@code :} and {@code ,}, none before; none around {@code .} and
 *       {@code ..}; unary operators glued ({@code -x}, {@code ~x}) except {@code not x}.
 *   <li>Tokens are written exactly as lexed (literals keep their spelling) and parentheses are
 *       never added or removed, so the output parses to the same tree.
 *   <li>Blank lines: one where the source had one or more between members or statements, none at
 *       the top of a block, none before a closing brace; top level has the imports together, then
 *       one blank line before each declaration. The file ends with exactly one newline.
 *   <li>Comments are all kept: trailing comments stay at the end of their line, comments on their
 *       own line stay there (a {@code ///} doc comment directly above its declaration), a line
 *       comment at a place where a line can break breaks it there, and a comment that cannot stay
 *       where it was (inside an expression written on one line) moves onto its own line above the
 *       member or statement containing it. See {@link Printer} and {@link Layout}.
 * </ul>
 *
 * <p>Formatting is idempotent: formatting the output again gives the same text.
 */
public final class Formatter extends ApplParserBaseVisitor<Void> {

    /** Formats a spec that parsed without syntax errors. */
    public static String format(ApplParser.FileContext tree, CommonTokenStream tokens) {
        tokens.fill();
        Formatter f = new Formatter(new Layout(new Printer(tokens.getTokens())));
        f.visit(tree);
        return f.out.finish();
    }

    private final Layout out;

    private Formatter(Layout out) {
        this.out = out;
    }

    // ---- Helpers --------------------------------------------------------------------------------

    /** Writes a source token as it was lexed. */
    private void tok(TerminalNode t) {
        out.token(t.getSymbol());
    }

    private void tok(Token t) {
        out.token(t);
    }

    /** Writes a source token after a space. */
    private void spTok(TerminalNode t) {
        out.space();
        tok(t);
    }

    /** Writes a subtree after a space. */
    private void sp(ParseTree t) {
        out.space();
        visit(t);
    }

    /** Writes each child as is, with nothing between: {@code a.b.c}, {@code x[i].y}. */
    private void glued(ParserRuleContext ctx) {
        for (ParseTree child : ctx.children) {
            if (child instanceof TerminalNode t) {
                tok(t);
            } else {
                visit(child);
            }
        }
    }

    /**
     * Writes {@code a, b, c}. {@code commas} are the list's commas in source order; only those
     * between items are written, so a trailing comma is dropped.
     */
    private void commaList(List<? extends ParseTree> items, List<TerminalNode> commas) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                tok(commas.get(i - 1));
                out.space();
            }
            visit(items.get(i));
        }
    }

    /**
     * Writes a bracketed list, {@code (a, b, c)}: on one line if it fits, else one item per line,
     * each followed by a comma, between the brackets on lines of their own (see {@link Layout}).
     * Every list this is used for allows a comma after its last item. {@code spaced} puts a space
     * inside the brackets of the one-line form: {@code actions { a, b }}.
     */
    private void list(TerminalNode open, List<? extends ParseTree> items, List<TerminalNode> commas,
            TerminalNode close, boolean spaced) {
        tok(open);
        if (items.isEmpty()) {
            tok(close);
            return;
        }
        out.openGroup(Kind.LIST);
        out.lineBreak(spaced);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                Token comma = commas.get(i - 1).getSymbol();
                tok(comma);
                out.breakAfter(comma, true);
            }
            visit(items.get(i));
        }
        out.trailingComma();
        out.closingBreak(spaced);
        out.closeGroup();
        tok(close);
    }

    /**
     * Writes the value after {@code sep} (an {@code =} or {@code +=} ..., a test's {@code ==}, or
     * null after a send's port name; all already written) after a space, or on a line of its own
     * when only that makes it fit.
     */
    private void value(Token sep, ParseTree value) {
        out.openGroup(Kind.ASSIGN);
        if (sep == null) {
            out.lineBreak(true);
        } else {
            out.breakAfter(sep, true);
        }
        visit(value);
        out.closeGroup();
    }

    /** Writes the item on a line of its own, as a construct that comments can be hoisted above. */
    private void line(Blank blank, Runnable print) {
        out.newline(blank);
        out.begin();
        print.run();
        out.end();
    }

    private <T extends ParseTree> void body(TerminalNode open, List<T> items, TerminalNode close) {
        body(open, items, close, (item, i) -> visit(item));
    }

    /**
     * Writes the opening brace, the items one per line, indented, and the closing brace on a line
     * of its own; just {@code {}} if there is nothing between the braces, not even a comment.
     */
    private <T extends ParseTree> void body(
            TerminalNode open, List<T> items, TerminalNode close, ObjIntConsumer<T> print) {
        spTok(open);
        if (items.isEmpty() && !out.hasComments(open.getSymbol(), close.getSymbol())) {
            tok(close);
            return;
        }
        out.indent();
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            int index = i;
            line(Blank.PRESERVE, () -> print.accept(item, index));
        }
        // Comments after the last item stay inside the braces, at the inner indentation.
        out.newline(Blank.PRESERVE);
        out.comments(close.getSymbol());
        out.dedent();
        out.newline(Blank.NONE);
        tok(close);
    }

    /**
     * Catches any token a rule below forgot: it is written after a space rather than lost. Every
     * rule is handled explicitly, so this should not run.
     */
    @Override
    public Void visitTerminal(TerminalNode node) {
        if (node.getSymbol().getType() != Token.EOF) {
            spTok(node);
        }
        return null;
    }

    // ---- File and modules -----------------------------------------------------------------------

    @Override
    public Void visitFile(FileContext ctx) {
        for (ImportDeclContext imp : ctx.importDecl()) {
            line(Blank.NONE, () -> visit(imp));
        }
        boolean first = ctx.importDecl().isEmpty();
        for (TopDeclContext decl : ctx.topDecl()) {
            line(first ? Blank.NONE : Blank.FORCE, () -> visit(decl));
            first = false;
        }
        return null;
    }

    @Override
    public Void visitImportDecl(ImportDeclContext ctx) {
        tok(ctx.IMPORT());
        sp(ctx.modulePath());
        if (ctx.LBRACE() != null) {
            tok(ctx.DOT());
            list(ctx.LBRACE(), ctx.importItem(), ctx.COMMA(), ctx.RBRACE(), false);
        } else if (ctx.AS() != null) {
            spTok(ctx.AS());
            sp(ctx.name());
        }
        return null;
    }

    @Override
    public Void visitModulePath(ModulePathContext ctx) {
        glued(ctx);
        return null;
    }

    @Override
    public Void visitImportItem(ImportItemContext ctx) {
        visit(ctx.name(0));
        if (ctx.AS() != null) {
            spTok(ctx.AS());
            sp(ctx.name(1));
        }
        return null;
    }

    // ---- Types and data -------------------------------------------------------------------------

    @Override
    public Void visitConstDecl(ConstDeclContext ctx) {
        tok(ctx.CONST());
        sp(ctx.name());
        tok(ctx.COLON());
        sp(ctx.type());
        spTok(ctx.ASSIGN());
        value(ctx.ASSIGN().getSymbol(), ctx.expr());
        return null;
    }

    @Override
    public Void visitEnumDecl(EnumDeclContext ctx) {
        tok(ctx.ENUM());
        sp(ctx.name());
        if (ctx.COLON() != null) {
            tok(ctx.COLON());
            sp(ctx.type());
        }
        List<EnumCaseContext> cases = ctx.enumCase();
        body(ctx.LBRACE(), cases, ctx.RBRACE(), (c, i) -> {
            visit(c);
            if (i < cases.size() - 1) {
                out.text(","); // the required separator, moved to the end of the case's line
            }
        });
        return null;
    }

    @Override
    public Void visitEnumCase(EnumCaseContext ctx) {
        visit(ctx.name());
        if (ctx.ASSIGN() != null) {
            spTok(ctx.ASSIGN());
            sp(ctx.expr());
        }
        return null;
    }

    @Override
    public Void visitHeaderDecl(HeaderDeclContext ctx) {
        tok(ctx.HEADER());
        sp(ctx.name());
        body(ctx.LBRACE(), ctx.headerField(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitHeaderField(HeaderFieldContext ctx) {
        visit(ctx.name());
        tok(ctx.COLON());
        sp(ctx.type());
        if (ctx.LBRACK() != null) { // `options: bytes[(ihl - 5) * 4]`
            tok(ctx.LBRACK());
            visit(ctx.expr(0));
            tok(ctx.RBRACK());
        }
        if (ctx.LE() != null) {
            spTok(ctx.LE());
        }
        if (ctx.ASSIGN() != null) { // `version: u4 = 4`
            spTok(ctx.ASSIGN());
            value(ctx.ASSIGN().getSymbol(), ctx.expr(ctx.expr().size() - 1));
        }
        return null;
    }

    @Override
    public Void visitStructDecl(StructDeclContext ctx) {
        tok(ctx.STRUCT());
        sp(ctx.name());
        body(ctx.LBRACE(), ctx.structField(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitStructField(StructFieldContext ctx) {
        visit(ctx.name());
        tok(ctx.COLON());
        sp(ctx.type());
        return null;
    }

    @Override
    public Void visitArrayType(ArrayTypeContext ctx) {
        tok(ctx.LBRACK());
        visit(ctx.type());
        tok(ctx.SEMI()); // the one `;` the grammar requires: `[u8; 6]`
        sp(ctx.expr());
        tok(ctx.RBRACK());
        return null;
    }

    @Override
    public Void visitQualifiedName(QualifiedNameContext ctx) {
        glued(ctx);
        return null;
    }

    @Override
    public Void visitFnDecl(FnDeclContext ctx) {
        tok(ctx.FN());
        sp(ctx.name());
        params(ctx.LPAREN(), ctx.paramList(), ctx.RPAREN());
        if (ctx.ARROW() != null) {
            spTok(ctx.ARROW());
            sp(ctx.type());
        }
        visit(ctx.block());
        return null;
    }

    private void params(TerminalNode open, ParamListContext list, TerminalNode close) {
        if (list == null) {
            tok(open);
            tok(close);
        } else {
            list(open, list.param(), list.COMMA(), close, false);
        }
    }

    @Override
    public Void visitParamList(ParamListContext ctx) {
        commaList(ctx.param(), ctx.COMMA());
        return null;
    }

    @Override
    public Void visitParam(ParamContext ctx) {
        visit(ctx.name());
        tok(ctx.COLON());
        sp(ctx.type());
        return null;
    }

    // ---- Parsers --------------------------------------------------------------------------------

    @Override
    public Void visitParserDecl(ParserDeclContext ctx) {
        tok(ctx.PARSER());
        sp(ctx.name());
        params(ctx.LPAREN(), ctx.paramList(), ctx.RPAREN());
        List<ParseTree> items = parserItems(ctx.parserBody());
        items.addAll(ctx.parserState());
        body(ctx.LBRACE(), items, ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitParserState(ParserStateContext ctx) {
        tok(ctx.STATE());
        sp(ctx.name());
        body(ctx.LBRACE(), parserItems(ctx.parserBody()), ctx.RBRACE());
        return null;
    }

    /** A parser body's extracts and transition, each of which goes on its own line. */
    private static List<ParseTree> parserItems(ParserBodyContext body) {
        List<ParseTree> items = new ArrayList<>(body.extractStmt());
        if (body.transition() != null) {
            items.add(body.transition());
        }
        return items;
    }

    @Override
    public Void visitExtractStmt(ExtractStmtContext ctx) {
        tok(ctx.EXTRACT());
        sp(ctx.name());
        tok(ctx.COLON());
        sp(ctx.type());
        return null;
    }

    @Override
    public Void visitAcceptTransition(AcceptTransitionContext ctx) {
        tok(ctx.ACCEPT());
        return null;
    }

    @Override
    public Void visitRejectTransition(RejectTransitionContext ctx) {
        tok(ctx.REJECT());
        return null;
    }

    @Override
    public Void visitGotoTransition(GotoTransitionContext ctx) {
        tok(ctx.GOTO());
        sp(ctx.name());
        return null;
    }

    @Override
    public Void visitSelectTransition(SelectTransitionContext ctx) {
        tok(ctx.SELECT());
        sp(ctx.expr());
        body(ctx.LBRACE(), ctx.selectCase(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitSelectCase(SelectCaseContext ctx) {
        commaList(ctx.pattern(), ctx.COMMA());
        spTok(ctx.FAT_ARROW());
        sp(ctx.target());
        out.text(","); // like a match arm with a single-statement body
        return null;
    }

    @Override
    public Void visitTarget(TargetContext ctx) {
        glued(ctx);
        return null;
    }

    // ---- Appliances -----------------------------------------------------------------------------

    @Override
    public Void visitApplianceDecl(ApplianceDeclContext ctx) {
        tok(ctx.APPLIANCE());
        sp(ctx.name());
        body(ctx.LBRACE(), ctx.member(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitParamDecl(ParamDeclContext ctx) {
        if (ctx.BUILD() != null) {
            tok(ctx.BUILD());
        }
        spTok(ctx.PARAM());
        sp(ctx.name());
        tok(ctx.COLON());
        sp(ctx.type());
        if (ctx.ASSIGN() != null) {
            spTok(ctx.ASSIGN());
            value(ctx.ASSIGN().getSymbol(), ctx.expr());
        }
        return null;
    }

    @Override
    public Void visitPortDecl(PortDeclContext ctx) {
        tok(ctx.PORT());
        sp(ctx.name(0));
        tok(ctx.COLON());
        sp(ctx.name(1));
        if (ctx.framing() != null) {
            sp(ctx.framing());
        }
        for (PortOptionContext option : ctx.portOption()) {
            sp(option);
        }
        if (ctx.ASSIGN() != null) {
            spTok(ctx.ASSIGN());
            spTok(ctx.STRING());
        }
        return null;
    }

    @Override
    public Void visitFraming(FramingContext ctx) {
        tok(ctx.FRAMED());
        if (ctx.BY() != null) {
            spTok(ctx.BY());
            sp(ctx.qualifiedName());
        } else {
            sp(ctx.type());
        }
        if (ctx.SIZE_KW() != null) {
            spTok(ctx.SIZE_KW());
            sp(ctx.expr());
        }
        return null;
    }

    @Override
    public Void visitMaxOption(MaxOptionContext ctx) {
        tok(ctx.MAX());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitConnectionsOption(ConnectionsOptionContext ctx) {
        tok(ctx.CONNECTIONS());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitSessionDecl(SessionDeclContext ctx) {
        tok(ctx.SESSION());
        spTok(ctx.ON());
        sp(ctx.name());
        body(ctx.LBRACE(), ctx.sessionMember(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitSessionVar(SessionVarContext ctx) {
        binding(ctx.VAR(), ctx.name(), ctx.COLON(), ctx.type(), ctx.ASSIGN(), ctx.expr());
        return null;
    }

    @Override
    public Void visitPhaseDecl(PhaseDeclContext ctx) {
        tok(ctx.PHASE());
        sp(ctx.name());
        if (ctx.framing() != null) {
            sp(ctx.framing());
        }
        return null;
    }

    @Override
    public Void visitCounterDecl(CounterDeclContext ctx) {
        tok(ctx.COUNTER());
        sp(ctx.name());
        return null;
    }

    @Override
    public Void visitMapDecl(MapDeclContext ctx) {
        tok(ctx.MAP());
        sp(ctx.name());
        tok(ctx.COLON());
        sp(ctx.type(0));
        spTok(ctx.ARROW());
        sp(ctx.type(1));
        for (MapOptionContext option : ctx.mapOption()) {
            sp(option);
        }
        return null;
    }

    @Override
    public Void visitCapacityOption(CapacityOptionContext ctx) {
        tok(ctx.CAPACITY());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitExpireOption(ExpireOptionContext ctx) {
        tok(ctx.EXPIRE());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitLruOption(LruOptionContext ctx) {
        tok(ctx.LRU());
        return null;
    }

    @Override
    public Void visitSharedOption(SharedOptionContext ctx) {
        tok(ctx.SHARED());
        return null;
    }

    @Override
    public Void visitTimerDecl(TimerDeclContext ctx) {
        tok(ctx.TIMER());
        sp(ctx.name());
        spTok(ctx.EVERY());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitStoreDecl(StoreDeclContext ctx) {
        tok(ctx.STORE());
        sp(ctx.name(0));
        tok(ctx.COLON());
        sp(ctx.name(1));
        list(ctx.LPAREN(), ctx.namedArg(), ctx.COMMA(), ctx.RPAREN(), false);
        return null;
    }

    @Override
    public Void visitNamedArg(NamedArgContext ctx) {
        visit(ctx.name());
        tok(ctx.COLON());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitActionDecl(ActionDeclContext ctx) {
        tok(ctx.ACTION());
        sp(ctx.name());
        params(ctx.LPAREN(), ctx.paramList(), ctx.RPAREN());
        visit(ctx.block());
        return null;
    }

    @Override
    public Void visitTableDecl(TableDeclContext ctx) {
        tok(ctx.TABLE());
        sp(ctx.name());
        params(ctx.LPAREN(), ctx.paramList(), ctx.RPAREN());
        body(ctx.LBRACE(), ctx.tableProp(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitKeyProp(KeyPropContext ctx) {
        tok(ctx.KEY());
        body(ctx.LBRACE(), ctx.tableKey(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitTableKey(TableKeyContext ctx) {
        visit(ctx.expr());
        tok(ctx.COLON());
        sp(ctx.name());
        return null;
    }

    @Override
    public Void visitActionsProp(ActionsPropContext ctx) {
        // `actions { allow, deny }`: a short list of names, kept on one line.
        tok(ctx.ACTIONS());
        out.space();
        list(ctx.LBRACE(), ctx.name(), ctx.COMMA(), ctx.RBRACE(), true);
        return null;
    }

    @Override
    public Void visitDefaultProp(DefaultPropContext ctx) {
        tok(ctx.DEFAULT());
        sp(ctx.actionCall());
        return null;
    }

    @Override
    public Void visitSizeProp(SizePropContext ctx) {
        tok(ctx.SIZE_KW());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitEntriesProp(EntriesPropContext ctx) {
        if (ctx.CONST() != null) {
            tok(ctx.CONST());
        }
        spTok(ctx.ENTRIES());
        body(ctx.LBRACE(), ctx.tableEntry(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitLoadProp(LoadPropContext ctx) {
        tok(ctx.LOAD());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitTableEntry(TableEntryContext ctx) {
        if (ctx.LPAREN() != null) {
            list(ctx.LPAREN(), ctx.pattern(), ctx.COMMA(), ctx.RPAREN(), false);
        } else {
            visit(ctx.pattern(0));
        }
        spTok(ctx.FAT_ARROW());
        sp(ctx.actionCall());
        return null;
    }

    @Override
    public Void visitActionCall(ActionCallContext ctx) {
        visit(ctx.name());
        if (ctx.LPAREN() != null) {
            args(ctx.LPAREN(), ctx.argList(), ctx.RPAREN());
        }
        return null;
    }

    @Override
    public Void visitTimerHandler(TimerHandlerContext ctx) {
        tok(ctx.ON());
        spTok(ctx.TIMER());
        sp(ctx.name());
        visit(ctx.block());
        return null;
    }

    @Override
    public Void visitPortHandler(PortHandlerContext ctx) {
        tok(ctx.ON());
        sp(ctx.name(0));
        sp(ctx.name(1));
        if (ctx.COLON() != null) {
            tok(ctx.COLON());
            sp(ctx.type());
        }
        spTok(ctx.FROM());
        sp(ctx.name(2));
        if (ctx.IN() != null) {
            spTok(ctx.IN());
            sp(ctx.name(3));
        }
        visit(ctx.block());
        return null;
    }

    // ---- Tests ----------------------------------------------------------------------------------

    @Override
    public Void visitTestDecl(TestDeclContext ctx) {
        tok(ctx.TEST());
        spTok(ctx.STRING());
        body(ctx.LBRACE(), ctx.testStmt(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitSendStmt(SendStmtContext ctx) {
        tok(ctx.SEND());
        sp(ctx.name());
        value(null, ctx.expr());
        return null;
    }

    @Override
    public Void visitConnectStmt(ConnectStmtContext ctx) {
        tok(ctx.CONNECT());
        sp(ctx.name());
        return null;
    }

    @Override
    public Void visitExpectClose(ExpectCloseContext ctx) {
        tok(ctx.EXPECT());
        spTok(ctx.CLOSE());
        return null;
    }

    @Override
    public Void visitExpectPhase(ExpectPhaseContext ctx) {
        tok(ctx.EXPECT());
        spTok(ctx.PHASE());
        spTok(ctx.EQ());
        sp(ctx.name());
        return null;
    }

    @Override
    public Void visitExpectDrop(ExpectDropContext ctx) {
        tok(ctx.EXPECT());
        spTok(ctx.DROP());
        return null;
    }

    @Override
    public Void visitExpectForward(ExpectForwardContext ctx) {
        tok(ctx.EXPECT());
        spTok(ctx.FORWARD());
        sp(ctx.name());
        if (ctx.EQ() != null) {
            spTok(ctx.EQ());
            value(ctx.EQ().getSymbol(), ctx.expr());
        }
        return null;
    }

    @Override
    public Void visitExpectReply(ExpectReplyContext ctx) {
        tok(ctx.EXPECT());
        spTok(ctx.REPLY());
        if (ctx.EQ() != null) {
            spTok(ctx.EQ());
            value(ctx.EQ().getSymbol(), ctx.expr());
        }
        return null;
    }

    @Override
    public Void visitExpectState(ExpectStateContext ctx) {
        tok(ctx.EXPECT());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitTestLet(TestLetContext ctx) {
        binding(ctx.LET(), ctx.name(), ctx.COLON(), ctx.type(), ctx.ASSIGN(), ctx.expr());
        return null;
    }

    // ---- Statements -----------------------------------------------------------------------------

    @Override
    public Void visitBlock(BlockContext ctx) {
        List<StatementContext> statements = ctx.statement();
        body(ctx.LBRACE(), statements, ctx.RBRACE(), (s, i) -> {
            visit(s);
            if (i + 1 < statements.size() && swallowsNext(s, statements.get(i + 1))) {
                out.text(";");
            }
        });
        return null;
    }

    /**
     * Whether, without a {@code ;} between them, {@code next} would be read as part of {@code s}:
     * a bare {@code return} or {@code reply} takes an optional value, and the call statement
     * {@code f(x)} is also an expression. (An assignment is not: {@code return x = 1} cannot parse,
     * so the parser already splits it.)
     */
    private static boolean swallowsNext(StatementContext s, StatementContext next) {
        boolean bare = s instanceof ReturnStmtContext r && r.expr() == null
                || s instanceof ReplyStmtContext r2 && r2.expr() == null;
        return bare && next instanceof CallStmtContext;
    }

    /** {@code let x: T = e}, also {@code var} and a test's {@code let}. */
    private void binding(TerminalNode keyword, NameContext name, TerminalNode colon,
            TypeContext type, TerminalNode assign, ExprContext value) {
        tok(keyword);
        sp(name);
        if (colon != null) {
            tok(colon);
            sp(type);
        }
        spTok(assign);
        value(assign.getSymbol(), value);
    }

    @Override
    public Void visitLetStmt(LetStmtContext ctx) {
        binding(ctx.LET(), ctx.name(), ctx.COLON(), ctx.type(), ctx.ASSIGN(), ctx.expr());
        if (ctx.ELSE() != null) {
            spTok(ctx.ELSE());
            visit(ctx.block());
        }
        return null;
    }

    @Override
    public Void visitVarStmt(VarStmtContext ctx) {
        binding(ctx.VAR(), ctx.name(), ctx.COLON(), ctx.type(), ctx.ASSIGN(), ctx.expr());
        return null;
    }

    @Override
    public Void visitIfStatement(IfStatementContext ctx) {
        tok(ctx.IF());
        sp(ctx.expr());
        visit(ctx.block(0));
        if (ctx.ELSE() != null) {
            spTok(ctx.ELSE()); // `} else {` and `} else if c {`
            if (ctx.ifStatement() != null) {
                sp(ctx.ifStatement());
            } else {
                visit(ctx.block(1));
            }
        }
        return null;
    }

    @Override
    public Void visitMatchStmt(MatchStmtContext ctx) {
        tok(ctx.MATCH());
        sp(ctx.expr());
        body(ctx.LBRACE(), ctx.matchArm(), ctx.RBRACE());
        return null;
    }

    @Override
    public Void visitMatchArm(MatchArmContext ctx) {
        commaList(ctx.pattern(), ctx.COMMA());
        spTok(ctx.FAT_ARROW());
        if (ctx.block() != null) {
            visit(ctx.block());
        } else {
            sp(ctx.statement());
            // Ends the arm: `_ => reply` followed by a pattern on the next line would read the
            // pattern as reply's value.
            out.text(",");
        }
        return null;
    }

    @Override
    public Void visitForStmt(ForStmtContext ctx) {
        tok(ctx.FOR());
        sp(ctx.name());
        spTok(ctx.IN());
        sp(ctx.expr(0));
        tok(ctx.DOTDOT());
        visit(ctx.expr(1));
        if (ctx.MAX() != null) {
            spTok(ctx.MAX());
            sp(ctx.expr(2));
        }
        visit(ctx.block());
        return null;
    }

    @Override
    public Void visitBreakStmt(BreakStmtContext ctx) {
        tok(ctx.BREAK());
        return null;
    }

    @Override
    public Void visitContinueStmt(ContinueStmtContext ctx) {
        tok(ctx.CONTINUE());
        return null;
    }

    @Override
    public Void visitReturnStmt(ReturnStmtContext ctx) {
        tok(ctx.RETURN());
        if (ctx.expr() != null) {
            sp(ctx.expr());
        }
        return null;
    }

    @Override
    public Void visitForwardStmt(ForwardStmtContext ctx) {
        tok(ctx.FORWARD());
        sp(ctx.name());
        return null;
    }

    @Override
    public Void visitReplyStmt(ReplyStmtContext ctx) {
        tok(ctx.REPLY());
        if (ctx.expr() != null) {
            sp(ctx.expr());
        }
        return null;
    }

    @Override
    public Void visitDropStmt(DropStmtContext ctx) {
        tok(ctx.DROP());
        return null;
    }

    @Override
    public Void visitEnterStmt(EnterStmtContext ctx) {
        tok(ctx.ENTER());
        sp(ctx.name());
        return null;
    }

    @Override
    public Void visitCloseStmt(CloseStmtContext ctx) {
        tok(ctx.CLOSE());
        return null;
    }

    @Override
    public Void visitPushStmt(PushStmtContext ctx) {
        tok(ctx.PUSH());
        sp(ctx.expr(0));
        spTok(ctx.AFTER() != null ? ctx.AFTER() : ctx.BEFORE());
        sp(ctx.expr(1));
        return null;
    }

    @Override
    public Void visitPopStmt(PopStmtContext ctx) {
        tok(ctx.POP());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitAssignStmt(AssignStmtContext ctx) {
        visit(ctx.place());
        out.space();
        tok(ctx.op);
        value(ctx.op, ctx.expr());
        return null;
    }

    @Override
    public Void visitCallStmt(CallStmtContext ctx) {
        visit(ctx.place());
        args(ctx.LPAREN(), ctx.argList(), ctx.RPAREN());
        return null;
    }

    @Override
    public Void visitPlace(PlaceContext ctx) {
        glued(ctx); // `a.b[i].c`
        return null;
    }

    // ---- Patterns and expressions ---------------------------------------------------------------

    @Override
    public Void visitRangePattern(RangePatternContext ctx) {
        visit(ctx.expr(0));
        tok(ctx.DOTDOT());
        visit(ctx.expr(1));
        return null;
    }

    @Override
    public Void visitMaskPattern(MaskPatternContext ctx) {
        visit(ctx.expr(0));
        spTok(ctx.TERNARY_MASK());
        sp(ctx.expr(1));
        return null;
    }

    @Override
    public Void visitValuePattern(ValuePatternContext ctx) {
        visit(ctx.expr());
        return null;
    }

    @Override
    public Void visitFieldExpr(FieldExprContext ctx) {
        visit(ctx.expr());
        tok(ctx.DOT());
        visit(ctx.name());
        return null;
    }

    @Override
    public Void visitCallExpr(CallExprContext ctx) {
        visit(ctx.expr());
        args(ctx.LPAREN(), ctx.argList(), ctx.RPAREN());
        return null;
    }

    /**
     * Writes an argument list. A sole argument that is itself a non-empty struct literal, array
     * literal or call hugs the parentheses: when it is broken, its first line ends with
     * <code>f(Flow{</code> and its last line is <code>})</code>, as rustfmt writes it (and Go code is
     * written), rather than the argument going on a line of its own between them.
     */
    private void args(TerminalNode open, ArgListContext list, TerminalNode close) {
        if (list == null) {
            tok(open);
            tok(close);
            return;
        }
        List<ExprContext> items = list.expr();
        if (items.size() == 1 && hugs(items.get(0))
                && !out.hasComments(open.getSymbol(), items.get(0).getStart())
                && !out.hasComments(items.get(0).getStop(), close.getSymbol())) {
            tok(open);
            visit(items.get(0));
            tok(close);
            return;
        }
        list(open, items, list.COMMA(), close, false);
    }

    private static boolean hugs(ExprContext e) {
        if (e instanceof CallExprContext call) {
            return call.argList() != null;
        }
        if (e instanceof PrimaryExprContext p) {
            return p.primary() instanceof StructLiteralContext s && !s.fieldInit().isEmpty()
                    || p.primary() instanceof ArrayLiteralContext a && !a.expr().isEmpty();
        }
        return false;
    }

    @Override
    public Void visitArgList(ArgListContext ctx) {
        commaList(ctx.expr(), ctx.COMMA());
        return null;
    }

    @Override
    public Void visitIndexExpr(IndexExprContext ctx) {
        visit(ctx.expr(0));
        tok(ctx.LBRACK());
        visit(ctx.expr(1));
        tok(ctx.RBRACK());
        return null;
    }

    @Override
    public Void visitCastExpr(CastExprContext ctx) {
        visit(ctx.expr());
        spTok(ctx.AS());
        sp(ctx.type());
        return null;
    }

    @Override
    public Void visitUnaryExpr(UnaryExprContext ctx) {
        tok(ctx.op);
        if (ctx.NOT() != null) {
            out.space();
        }
        visit(ctx.expr());
        return null;
    }

    /**
     * Writes {@code a + b - c}: the operands of the operators of one precedence level, as a chain
     * that breaks before each operator ({@code a}, {@code + b}, {@code - c} on their lines), or
     * after it for {@code *}, {@code /} and {@code %}, so that a packet stack ends each line with
     * its {@code /}.
     */
    @Override
    public Void visitBinaryExpr(BinaryExprContext ctx) {
        int level = precedence(ctx.op);
        List<ExprContext> operands = new ArrayList<>();
        List<Token> operators = new ArrayList<>();
        ExprContext e = ctx;
        while (e instanceof BinaryExprContext b && precedence(b.op) == level) {
            operands.add(b.expr(1));
            operators.add(b.op);
            e = b.expr(0);
        }
        operands.add(e);
        Collections.reverse(operands);
        Collections.reverse(operators);
        boolean breakAfter = level == 0;
        out.openGroup(Kind.CHAIN);
        visit(operands.get(0));
        for (int i = 0; i < operators.size(); i++) {
            Token op = operators.get(i);
            if (breakAfter) {
                out.space();
                tok(op);
                out.breakAfter(op, true);
            } else {
                out.breakBefore(op, true);
                tok(op);
                out.space();
            }
            visit(operands.get(i + 1));
        }
        out.closeGroup();
        return null;
    }

    /** The operator's precedence level, 0 the tightest, as in the grammar. */
    private static int precedence(Token op) {
        return switch (op.getType()) {
            case ApplParser.STAR, ApplParser.SLASH, ApplParser.PERCENT -> 0;
            case ApplParser.PLUS, ApplParser.MINUS -> 1;
            case ApplParser.SHL, ApplParser.SHR -> 2;
            case ApplParser.AMP -> 3;
            case ApplParser.CARET -> 4;
            case ApplParser.PIPE -> 5;
            case ApplParser.AND -> 7;
            case ApplParser.OR -> 8;
            default -> 6; // == != < <= > >=
        };
    }

    @Override
    public Void visitStructLiteral(StructLiteralContext ctx) {
        visit(ctx.qualifiedName());
        list(ctx.LBRACE(), ctx.fieldInit(), ctx.COMMA(), ctx.RBRACE(), false);
        return null;
    }

    @Override
    public Void visitFieldInit(FieldInitContext ctx) {
        visit(ctx.name());
        tok(ctx.COLON());
        sp(ctx.expr());
        return null;
    }

    @Override
    public Void visitParenPrimary(ParenPrimaryContext ctx) {
        tok(ctx.LPAREN());
        visit(ctx.expr());
        tok(ctx.RPAREN());
        return null;
    }

    @Override
    public Void visitArrayLiteral(ArrayLiteralContext ctx) {
        list(ctx.LBRACK(), ctx.expr(), ctx.COMMA(), ctx.RBRACK(), false);
        return null;
    }

    @Override
    public Void visitLiteral(LiteralContext ctx) {
        glued(ctx); // the token text, exactly as written: `0x0800`, `64KiB`, `10.0.0.0/8`
        return null;
    }

    @Override
    public Void visitName(NameContext ctx) {
        glued(ctx);
        return null;
    }
}
