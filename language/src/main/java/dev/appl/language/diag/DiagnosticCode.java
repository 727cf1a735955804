package dev.appl.language.diag;

import static dev.appl.language.diag.DiagnosticCode.Arg.NAME;
import static dev.appl.language.diag.DiagnosticCode.Arg.NUMBER;
import static dev.appl.language.diag.DiagnosticCode.Arg.TEXT;
import static dev.appl.language.diag.DiagnosticCode.Arg.TYPE;
import static dev.appl.language.diag.Severity.ERROR;
import static dev.appl.language.diag.Severity.WARNING;

/**
 * Every diagnostic the front end can report. Codes are stable: once released a code keeps its
 * number and meaning, and a retired one is never reused. Each code has an example spec under
 * {@code language/src/test/resources/golden/err/} that must produce it (checked by a test), and
 * docs/diagnostics.md lists them all.
 *
 * <p>Templates refer to their arguments as {@code {0}}, {@code {1}}; each argument has a declared
 * kind, checked when a diagnostic is made, so that a message cannot be built with the wrong
 * arguments. Names and types are printed in backticks.
 */
public enum DiagnosticCode {
    // ---- Files and syntax ----------------------------------------------------------------
    SYNTAX(1, ERROR, "{0}", TEXT),
    INVALID_CHARACTER(2, ERROR, "unexpected character {0}", TEXT),
    INVALID_UTF8(3, ERROR, "the file is not valid UTF-8 (bad byte at offset {0})", NUMBER),
    UNTERMINATED(4, ERROR, "unterminated {0}", TEXT),
    INVALID_LITERAL(5, ERROR, "invalid literal {0}: {1}", NAME, TEXT),
    NESTING_TOO_DEEP(6, ERROR, "this is nested too deeply for the compiler: {0}", TEXT),

    // ---- Names and modules ---------------------------------------------------------------
    UNKNOWN_NAME(10, ERROR, "cannot find {0} in this scope", NAME),
    DUPLICATE_NAME(11, ERROR, "{0} is declared twice", NAME),
    MODULE_NOT_FOUND(12, ERROR, "cannot find module {0}", NAME),
    NOT_IN_MODULE(13, ERROR, "module {0} has no declaration {1}", NAME, NAME),
    IMPORT_CYCLE(14, ERROR, "import cycle: {0}", TEXT),
    UNKNOWN_TYPE(15, ERROR, "cannot find type {0}", NAME),
    NOT_A_TYPE(16, ERROR, "{0} is {1}, not a type", NAME, TEXT),
    UNKNOWN_FIELD(17, ERROR, "{0} has no field or member {1}", TYPE, NAME),
    RESERVED_NAME(18, ERROR, "{0} is a built-in type name and cannot be declared", NAME),
    NOT_A_VALUE(19, ERROR, "{0} is {1}, not a value", NAME, TEXT),

    // ---- Types, widths and units ---------------------------------------------------------
    TYPE_MISMATCH(20, ERROR, "expected {0}, found {1}", TEXT, TEXT),
    WIDTH_MISMATCH(21, ERROR, "{0} and {1} have different widths; convert one with `as`", TYPE, TYPE),
    LITERAL_OVERFLOW(22, ERROR, "{0} does not fit in {1}", TEXT, TYPE),
    UNIT_MISMATCH(23, ERROR, "{0} and {1} do not mix; convert explicitly with `as`", TYPE, TYPE),
    INVALID_CAST(24, ERROR, "cannot convert {0} to {1}", TYPE, TYPE),
    INVALID_OPERATOR(25, ERROR, "operator {0} cannot be applied to {1}", NAME, TYPE),
    ARGUMENT_COUNT(26, ERROR, "{0} takes {1} argument(s) but {2} were given", NAME, NUMBER, NUMBER),
    NOT_CALLABLE(27, ERROR, "{0} cannot be called", NAME),
    INVALID_WIDTH(28, ERROR, "{0} has an invalid width: integers are 1 to 64 bits wide (signed: 2 to 64)", NAME),
    NOT_ASSIGNABLE(29, ERROR, "cannot assign to {0}: {1}", NAME, TEXT),
    MISSING_RETURN(30, ERROR, "function {0} does not return a value on every path", NAME),
    NOT_CONSTANT(31, ERROR, "{0} must be a constant expression", TEXT),
    UNTYPED_LITERAL(32, ERROR, "cannot infer a type for this literal; give the binding a type"),

    // ---- Headers and validity ------------------------------------------------------------
    HEADER_NOT_BYTE_ALIGNED(40, ERROR, "the fixed fields of header {0} add up to {1} bits, not a whole number of bytes", NAME, NUMBER),
    TRAILING_BYTES_NOT_LAST(41, ERROR, "a `bytes[...]` field must be the last field of its header"),
    HEADER_MAY_BE_MISSING(42, ERROR, "{0} may be missing here", NAME),
    INVALID_BYTE_ORDER(43, ERROR, "`le` needs a byte-aligned field whose width is a multiple of 8; {0} is not", NAME),
    INVALID_HEADER_FIELD(44, ERROR, "a header field cannot have type {0}", TYPE),

    // ---- Parsers -------------------------------------------------------------------------
    UNKNOWN_STATE(50, ERROR, "parser has no state {0}", NAME),
    PARSER_CYCLE(51, ERROR, "parser states form a cycle: {0}", TEXT),
    MISSING_TRANSITION(52, ERROR, "state {0} does not end with a transition (accept, reject, goto or select)", NAME),
    UNREACHABLE_STATE(53, WARNING, "state {0} is never reached", NAME),

    // ---- Bounded work --------------------------------------------------------------------
    UNBOUNDED_LOOP(60, ERROR, "loop bound {0} is not a constant; add `max N` with a constant N", TEXT),
    RECURSION(61, ERROR, "recursion is not allowed: {0}", TEXT),

    // ---- Exhaustiveness ------------------------------------------------------------------
    NON_EXHAUSTIVE(70, ERROR, "{0} does not cover {1}; add the missing cases or `_`", TEXT, TEXT),
    UNREACHABLE_ARM(71, WARNING, "this pattern is never reached: earlier patterns cover it"),

    // ---- Effects and control -------------------------------------------------------------
    IMPURE_FUNCTION(80, ERROR, "functions are pure: {0} is {1}", NAME, TEXT),
    CONST_TABLE_WRITE(81, ERROR, "table {0} has const entries and is read-only", NAME),
    WRONG_PORT_KIND(82, ERROR, "{0} is a {1} port; {2} needs a {3} port", NAME, TEXT, TEXT, TEXT),
    NOT_ALLOWED_HERE(83, ERROR, "{0} is not allowed in {1}", TEXT, TEXT),
    UNREACHABLE_CODE(84, WARNING, "unreachable code"),
    ELSE_FALLS_THROUGH(85, ERROR, "the `else` block of a `let ... else` must end the handler or leave the loop"),

    // ---- Appliance declarations ----------------------------------------------------------
    UNKNOWN_MATCH_KIND(90, ERROR, "unknown match kind {0}; expected exact, lpm, ternary or range", NAME),
    MISSING_TABLE_PROPERTY(91, ERROR, "table {0} needs {1}", NAME, TEXT),
    ENTRY_ARITY(93, ERROR, "entry has {0} pattern(s) but the table has {1} key(s)", NUMBER, NUMBER),
    INVALID_PATTERN(94, ERROR, "{0} is not a valid pattern for {1}", TEXT, TEXT),
    NOT_AN_ACTION_OF(95, ERROR, "{0} is not one of the actions of table {1}", NAME, NAME),
    UNKNOWN_PORT_KIND(96, ERROR, "unknown port kind {0}; expected packet, datagram or stream", NAME),
    INVALID_STORE(97, ERROR, "{0}", TEXT),
    UNKNOWN_METHOD(99, ERROR, "{0} has no method {1}", TEXT, NAME),
    INVALID_ENUM(101, ERROR, "{0}", TEXT),
    INVALID_DECLARATION(102, ERROR, "{0}", TEXT),
    INVALID_TEST(103, ERROR, "{0}", TEXT),
    STORE_NEVER_FLUSHED(104, WARNING, "store {0} is written but never flushed: its writes are never made durable", NAME),
    INVALID_SESSION(105, ERROR, "{0}", TEXT),
    UNHANDLED_PHASE(106, ERROR, "phase {0} of port {1} has no handler: its messages would have nowhere to go", NAME, NAME),
    UNKNOWN_PHASE(107, ERROR, "port {0} has no phase {1}", NAME, NAME),
    INVALID_FRAMER(110, ERROR, "{0} cannot frame a stream: {1}", NAME, TEXT),

    // ---- Limits of the target (reported by the compiler once it has generated the code) -----
    TOO_LARGE_FOR_JVM(120, ERROR, "{0} is too large for the JVM: {1}", TEXT, TEXT);

    /** The kind of a template argument; names and types are shown in backticks. */
    public enum Arg {
        NAME,
        TYPE,
        NUMBER,
        TEXT
    }

    private final int number;
    private final Severity severity;
    private final String template;
    private final Arg[] args;

    DiagnosticCode(int number, Severity severity, String template, Arg... args) {
        this.number = number;
        this.severity = severity;
        this.template = template;
        this.args = args;
    }

    /** {@code APPL0042}. */
    public String id() {
        return String.format("APPL%04d", number);
    }

    public int number() {
        return number;
    }

    public Severity severity() {
        return severity;
    }

    public String template() {
        return template;
    }

    /** Fills the template, checking the arguments against their declared kinds. */
    public String format(Object... values) {
        if (values.length != args.length) {
            throw new IllegalArgumentException(id() + " takes " + args.length + " arguments, got " + values.length);
        }
        String out = template;
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            String text = switch (args[i]) {
                case NAME, TYPE -> "`" + v + "`";
                case NUMBER -> {
                    if (!(v instanceof Number)) {
                        throw new IllegalArgumentException(id() + " argument " + i + " must be a number");
                    }
                    yield v.toString();
                }
                case TEXT -> String.valueOf(v);
            };
            out = out.replace("{" + i + "}", text);
        }
        return out;
    }

    public static DiagnosticCode byId(String id) {
        for (DiagnosticCode c : values()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        return null;
    }
}
