// Lexer for .appl specifications. Separate from the parser grammar (grammars-v4 style) so that the
// editor's highlighter and the compiler share one token set.
lexer grammar ApplLexer;

channels { COMMENTS }

// ---- Comments and white space ----------------------------------------------------------------
// Comments go to their own channel instead of being skipped: the formatter keeps them and the
// language server reads `///` doc comments for hover.
DOC_COMMENT   : '///' ~[\r\n]*             -> channel(COMMENTS);
LINE_COMMENT  : '//' ~[\r\n]*              -> channel(COMMENTS);
BLOCK_COMMENT : '/*' .*? '*/'              -> channel(COMMENTS);
// A block comment still open at the end of the file; reported by Parsing, not left to the parser.
// Its body cannot contain `*/`, so it never outruns a closed comment to the end of the file.
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(COMMENTS);
WS            : [ \t\r\n\f]+               -> channel(HIDDEN);

// ---- Keywords ---------------------------------------------------------------------------------
// Scalar type names (u8, ip4, size ...) are not keywords: they resolve as names, so that `u13`
// needs no token of its own.
ACCEPT    : 'accept';
ACTION    : 'action';
ACTIONS   : 'actions';
AFTER     : 'after';
AND       : 'and';
APPLIANCE : 'appliance';
AS        : 'as';
BEFORE    : 'before';
BREAK     : 'break';
BUILD     : 'build';
BY        : 'by';
CAPACITY  : 'capacity';
CLOSE     : 'close';
CONNECT   : 'connect';
CONNECTIONS : 'connections';
CONST     : 'const';
CONTINUE  : 'continue';
COUNTER   : 'counter';
DEFAULT   : 'default';
DROP      : 'drop';
ELSE      : 'else';
ENTER     : 'enter';
ENTRIES   : 'entries';
ENUM      : 'enum';
EVERY     : 'every';
EXPECT    : 'expect';
EXPIRE    : 'expire';
EXTRACT   : 'extract';
FALSE     : 'false';
FN        : 'fn';
FOR       : 'for';
FORWARD   : 'forward';
FRAMED    : 'framed';
FROM      : 'from';
GOTO      : 'goto';
HEADER    : 'header';
IF        : 'if';
IMPORT    : 'import';
IN        : 'in';
KEY       : 'key';
LE        : 'le';
LET       : 'let';
LOAD      : 'load';
LRU       : 'lru';
MAP       : 'map';
MATCH     : 'match';
MAX       : 'max';
NOT       : 'not';
ON        : 'on';
OR        : 'or';
PARAM     : 'param';
PARSER    : 'parser';
PHASE     : 'phase';
POP       : 'pop';
PORT      : 'port';
PUSH      : 'push';
REJECT    : 'reject';
REPLY     : 'reply';
RETURN    : 'return';
SELECT    : 'select';
SEND      : 'send';
SESSION   : 'session';
SHARED    : 'shared';
SIZE_KW   : 'size';
STATE     : 'state';
STORE     : 'store';
STRUCT    : 'struct';
TABLE     : 'table';
TEST      : 'test';
TIMER     : 'timer';
TRUE      : 'true';
VAR       : 'var';

// ---- Literals ---------------------------------------------------------------------------------
// Address literals come before INT so that the longest match wins: `10.0.0.0/8` is one token.
IP4_PREFIX : IP4_ADDR '/' DEC_DIGITS;
IP4        : IP4_ADDR;
// A MAC address is exactly six pairs of hex digits; an IPv6 address either has eight groups or
// contains `::`, so the two never overlap and neither can be mistaken for `name: type`.
MAC        : HEX HEX ':' HEX HEX ':' HEX HEX ':' HEX HEX ':' HEX HEX ':' HEX HEX;
IP6_PREFIX : IP6_ADDR '/' DEC_DIGITS;
IP6        : IP6_ADDR;

// `64KiB`, `1500B`, `10ms`, `2s`: a unit glued to a decimal number makes a size or a duration.
SIZE_LIT     : DEC_DIGITS ('B' | 'KiB' | 'MiB' | 'GiB' | 'TiB' | 'KB' | 'MB' | 'GB' | 'TB');
DURATION_LIT : DEC_DIGITS ('ns' | 'us' | 'ms' | 's' | 'min' | 'h');

INT   : DEC_DIGITS | '0x' [0-9a-fA-F_]+ | '0b' [01_]+;
BYTES : 'x"' [0-9a-fA-F _]* '"';   // a byte string: x"45 00 00 54" (pairs checked when decoded)
STRING: '"' (~["\\\r\n] | '\\' .)* '"';
// A string the line ends in; it stays a STRING for the parser, and Parsing reports it.
UNTERMINATED_STRING: '"' (~["\\\r\n] | '\\' ~[\r\n])* -> type(STRING);

ID : [a-zA-Z_] [a-zA-Z0-9_]*;

// ---- Punctuation, longest first where prefixes overlap ---------------------------------------
TERNARY_MASK : '&&&';
ARROW     : '->';
FAT_ARROW : '=>';
DOTDOT    : '..';
SHL_ASSIGN: '<<=';
SHR_ASSIGN: '>>=';
PLUS_ASSIGN : '+=';
MINUS_ASSIGN: '-=';
AND_ASSIGN  : '&=';
OR_ASSIGN   : '|=';
XOR_ASSIGN  : '^=';
SHL : '<<';
SHR : '>>';
EQ  : '==';
NEQ : '!=';
LTE : '<=';
GTE : '>=';
LT  : '<';
GT  : '>';
ASSIGN : '=';
PLUS   : '+';
MINUS  : '-';
STAR   : '*';
SLASH  : '/';
PERCENT: '%';
AMP    : '&';
PIPE   : '|';
CARET  : '^';
TILDE  : '~';
LPAREN : '(';
RPAREN : ')';
LBRACE : '{';
RBRACE : '}';
LBRACK : '[';
RBRACK : ']';
COMMA  : ',';
SEMI   : ';';
COLON  : ':';
DOT    : '.';

// Anything else becomes one error token, which the parser reports with a diagnostic instead of
// the lexer throwing or silently dropping it.
ERROR_CHAR : . ;

fragment DEC_DIGITS : [0-9] [0-9_]*;
fragment HEX        : [0-9a-fA-F];
fragment H16        : HEX HEX? HEX? HEX?;
fragment DEC_OCTET  : [0-9] [0-9]? [0-9]?;
fragment IP4_ADDR   : DEC_OCTET '.' DEC_OCTET '.' DEC_OCTET '.' DEC_OCTET;
fragment IP6_ADDR
    : H16 (':' H16) (':' H16) (':' H16) (':' H16) (':' H16) (':' H16) (':' H16)
    | (H16 (':' H16)*)? '::' (H16 (':' H16)*)? ('.' DEC_OCTET '.' DEC_OCTET '.' DEC_OCTET)?
    ;
