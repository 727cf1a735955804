package dev.appl.language.syntax;

import java.util.Set;
import java.util.TreeSet;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.atn.ATN;
import org.antlr.v4.runtime.misc.IntervalSet;

/** The language's keywords, read from the grammar so that they cannot drift from it. */
public final class Keywords {
    private Keywords() {}

    /**
     * The keywords reserved everywhere: the lexer's word tokens that the parser's {@code name} rule
     * does not take (the others are keywords only where they start a declaration or clause).
     */
    public static final Set<String> RESERVED = reserved();

    private static Set<String> reserved() {
        Vocabulary vocabulary = ApplLexer.VOCABULARY;
        ATN atn = ApplParser._ATN;
        IntervalSet names = atn.nextTokens(atn.ruleToStartState[ApplParser.RULE_name]);
        Set<String> out = new TreeSet<>();
        for (int type = 1; type <= vocabulary.getMaxTokenType(); type++) {
            String literal = vocabulary.getLiteralName(type);
            if (literal != null && literal.matches("'[a-z_]+'") && !names.contains(type)) {
                out.add(literal.substring(1, literal.length() - 1));
            }
        }
        return Set.copyOf(out);
    }
}
