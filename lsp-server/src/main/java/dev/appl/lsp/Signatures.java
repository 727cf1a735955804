package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.syntax.ApplLexer;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.Token;
import org.eclipse.lsp4j.MarkupContent;
import org.eclipse.lsp4j.MarkupKind;
import org.eclipse.lsp4j.ParameterInformation;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.SignatureHelp;
import org.eclipse.lsp4j.SignatureInformation;
import org.eclipse.lsp4j.jsonrpc.messages.Either;
import org.eclipse.lsp4j.jsonrpc.messages.Tuple;

/**
 * Signature help inside the parentheses of a call of a function, an action, a parser or a table.
 * Found from the tokens (the call is usually unfinished while it is typed): the innermost open
 * parenthesis before the caret, and the name just before it.
 */
final class Signatures {
    private Signatures() {}

    static SignatureHelp help(Analysis analysis, Module module, Position position) {
        if (module == null) {
            return null;
        }
        int offset = Positions.offset(module.source(), position);
        List<Token> tokens = module.parse().tokens().getTokens();
        int depth = 0;
        int commas = 0;
        for (int i = tokens.size() - 1; i >= 0; i--) {
            Token t = tokens.get(i);
            if (t.getChannel() != Token.DEFAULT_CHANNEL || t.getType() == Token.EOF || t.getStartIndex() >= offset) {
                continue;
            }
            switch (t.getType()) {
                case ApplLexer.RPAREN, ApplLexer.RBRACK, ApplLexer.RBRACE -> depth++;
                case ApplLexer.LBRACK, ApplLexer.LBRACE -> {
                    if (depth-- == 0) {
                        return null; // inside a literal or block, not a call
                    }
                }
                case ApplLexer.COMMA -> commas += depth == 0 ? 1 : 0;
                case ApplLexer.LPAREN -> {
                    if (depth-- == 0) {
                        Token callee = previous(tokens, i);
                        return callee == null ? null : signature(analysis, module, callee.getStartIndex(), commas);
                    }
                }
                default -> {}
            }
        }
        return null;
    }

    private static Token previous(List<Token> tokens, int i) {
        for (int j = i - 1; j >= 0; j--) {
            if (tokens.get(j).getChannel() == Token.DEFAULT_CHANNEL) {
                return tokens.get(j);
            }
        }
        return null;
    }

    private static SignatureHelp signature(Analysis analysis, Module module, int calleeOffset, int active) {
        Occurrences.Occurrence o = analysis.occurrences(module).at(calleeOffset);
        if (o == null || !(o.symbol() instanceof Symbol.DeclSymbol d)) {
            return null;
        }
        List<Decl.Param> params = switch (d.decl()) {
            case Decl.Fn f -> f.params();
            case Decl.Action a -> a.params();
            case Decl.Parser p -> p.params();
            case Decl.Table t -> t.params();
            default -> null;
        };
        if (params == null) {
            return null;
        }
        StringBuilder label = new StringBuilder(d.name()).append('(');
        List<ParameterInformation> infos = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            if (i > 0) {
                label.append(", ");
            }
            int start = label.length();
            label.append(params.get(i).span().text());
            ParameterInformation info = new ParameterInformation();
            info.setLabel(Either.forRight(Tuple.two(start, label.length())));
            infos.add(info);
        }
        label.append(')');
        if (d.decl() instanceof Decl.Fn f && f.result() != null) {
            label.append(" -> ").append(f.result().span().text());
        }
        SignatureInformation info = new SignatureInformation(label.toString());
        info.setParameters(infos);
        if (!d.decl().doc().isBlank()) {
            info.setDocumentation(new MarkupContent(MarkupKind.MARKDOWN, d.decl().doc().strip()));
        }
        SignatureHelp help = new SignatureHelp(List.of(info), 0, Math.min(active, Math.max(0, params.size() - 1)));
        return help;
    }
}
