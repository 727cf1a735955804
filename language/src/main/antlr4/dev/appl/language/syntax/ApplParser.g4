// Parser for .appl specifications. One grammar serves the compiler and the language server.
//
// Separators: statements and members end at the next keyword or name, so `;` and `,` between
// them are optional; the formatter writes one per line with neither. A struct literal
// `Name { field: value }` is told apart from a block by its first token pair (`name :` or `}`).
parser grammar ApplParser;

options { tokenVocab = ApplLexer; }

file : importDecl* topDecl* EOF ;

// ---- Modules ----------------------------------------------------------------------------------
// `import std.net.ipv4.{Ipv4, IpProto}` or `import std.net.ipv4 [as v4]`.
importDecl
    : IMPORT modulePath ('.' LBRACE importItem (COMMA importItem)* COMMA? RBRACE | AS name)? SEMI?
    ;
modulePath : name ('.' name)* ;
importItem : name (AS name)? ;

topDecl
    : constDecl
    | enumDecl
    | headerDecl
    | structDecl
    | fnDecl
    | parserDecl
    | applianceDecl
    ;

// ---- Types and data ---------------------------------------------------------------------------
constDecl  : CONST name COLON type ASSIGN expr SEMI? ;

enumDecl   : ENUM name (COLON type)? LBRACE (enumCase (COMMA enumCase)* COMMA?)? RBRACE ;
enumCase   : name (ASSIGN expr)? ;

// Fields are big-endian unless marked `le`; `bytes[expr]` is a trailing run whose length is an
// expression of earlier fields; `= value` is the field's value in a header literal that omits it.
headerDecl  : HEADER name LBRACE headerField* RBRACE ;
headerField : name COLON type (LBRACK expr RBRACK)? LE? (ASSIGN expr)? (COMMA | SEMI)? ;

structDecl  : STRUCT name LBRACE structField* RBRACE ;
structField : name COLON type (COMMA | SEMI)? ;

type
    : LBRACK type SEMI expr RBRACK       # arrayType
    | qualifiedName                      # namedType
    ;

qualifiedName : name ('.' name)* ;

fnDecl     : FN name LPAREN paramList? RPAREN (ARROW type)? block ;
paramList  : param (COMMA param)* COMMA? ;
param      : name COLON type ;

// ---- Parsers: a start state (the leading extracts and transition) and named states ----------
parserDecl  : PARSER name LPAREN paramList? RPAREN LBRACE parserBody parserState* RBRACE ;
parserState : STATE name LBRACE parserBody RBRACE ;
parserBody  : extractStmt* transition? ;
extractStmt : EXTRACT name COLON type SEMI? ;
transition
    : ACCEPT SEMI?                                         # acceptTransition
    | REJECT SEMI?                                         # rejectTransition
    | GOTO name SEMI?                                      # gotoTransition
    | SELECT expr LBRACE selectCase* RBRACE                # selectTransition
    ;
selectCase  : pattern (COMMA pattern)* FAT_ARROW target COMMA? ;
target      : ACCEPT | REJECT | name ;

// ---- Appliances -------------------------------------------------------------------------------
applianceDecl : APPLIANCE name LBRACE member* RBRACE ;

member
    : constDecl
    | paramDecl
    | portDecl
    | sessionDecl
    | counterDecl
    | mapDecl
    | timerDecl
    | storeDecl
    | parserDecl
    | actionDecl
    | tableDecl
    | fnDecl
    | handlerDecl
    | testDecl
    ;

// `build param` is fixed when the appliance is compiled and folded into the code; a plain
// `param` is fixed when it starts.
paramDecl   : BUILD? PARAM name COLON type (ASSIGN expr)? SEMI? ;

// `port outside: packet = "pcap:outside.pcap"`; a stream names its framing:
// `framed u16` (a length prefix) or `framed Request size 28 + length` (a header and the frame's
// size as an expression of its fields) or `framed by scan` (a function of the bytes so far that
// says how long the first frame is), unless its session's phases do; then its options
// `max SIZE` (the longest frame) and `connections N` (the most open connections).
portDecl    : PORT name COLON name framing? portOption* (ASSIGN STRING)? SEMI? ;
framing
    : FRAMED BY qualifiedName
    | FRAMED type (SIZE_KW expr)?
    ;
portOption
    : MAX expr                           # maxOption
    | CONNECTIONS expr                   # connectionsOption
    ;

// `session on clients { var ok: bool = false  phase hello framed Hello ... }`: the state each
// connection of a stream port keeps, and the phases it goes through, each with its own framing.
sessionDecl   : SESSION ON name LBRACE sessionMember* RBRACE ;
sessionMember
    : VAR name COLON type ASSIGN expr SEMI?                  # sessionVar
    | PHASE name framing? SEMI?                              # phaseDecl
    ;

counterDecl : COUNTER name SEMI? ;
mapDecl     : MAP name COLON type ARROW type mapOption* SEMI? ;
mapOption
    : CAPACITY expr                      # capacityOption
    | EXPIRE expr                        # expireOption
    | LRU                                # lruOption
    | SHARED                             # sharedOption
    ;
timerDecl   : TIMER name EVERY expr SEMI? ;
storeDecl   : STORE name COLON name LPAREN (namedArg (COMMA namedArg)* COMMA?)? RPAREN SEMI? ;
namedArg    : name COLON expr ;

actionDecl  : ACTION name LPAREN paramList? RPAREN block ;

tableDecl   : TABLE name LPAREN paramList? RPAREN LBRACE tableProp* RBRACE ;
tableProp
    : KEY LBRACE tableKey* RBRACE                                        # keyProp
    | ACTIONS LBRACE (name (COMMA name)* COMMA?)? RBRACE                 # actionsProp
    | DEFAULT actionCall SEMI?                                           # defaultProp
    | SIZE_KW expr SEMI?                                                 # sizeProp
    | CONST? ENTRIES LBRACE tableEntry* RBRACE                           # entriesProp
    | LOAD expr SEMI?                                                    # loadProp
    ;
tableKey    : expr COLON name (COMMA | SEMI)? ;
tableEntry  : (LPAREN pattern (COMMA pattern)* COMMA? RPAREN | pattern) FAT_ARROW actionCall (COMMA | SEMI)? ;
actionCall  : name (LPAREN argList? RPAREN)? ;

handlerDecl
    : ON TIMER name block                                    # timerHandler
    | ON name name (COLON type)? FROM name (IN name)? block  # portHandler
    ;

testDecl    : TEST STRING LBRACE testStmt* RBRACE ;
testStmt
    : SEND name expr SEMI?                                   # sendStmt
    | CONNECT name SEMI?                                     # connectStmt
    | EXPECT DROP SEMI?                                      # expectDrop
    | EXPECT CLOSE SEMI?                                     # expectClose
    | EXPECT PHASE EQ name SEMI?                             # expectPhase
    | EXPECT FORWARD name (EQ expr)? SEMI?                   # expectForward
    | EXPECT REPLY (EQ expr)? SEMI?                          # expectReply
    | EXPECT expr SEMI?                                      # expectState
    | LET name (COLON type)? ASSIGN expr SEMI?               # testLet
    ;

// ---- Statements -------------------------------------------------------------------------------
block : LBRACE statement* RBRACE ;

statement
    : LET name (COLON type)? ASSIGN expr (ELSE block)? SEMI?            # letStmt
    | VAR name (COLON type)? ASSIGN expr SEMI?                          # varStmt
    | ifStatement                                                       # ifStmt
    | MATCH expr LBRACE matchArm* RBRACE                                # matchStmt
    | FOR name IN expr DOTDOT expr (MAX expr)? block                    # forStmt
    | BREAK SEMI?                                                       # breakStmt
    | CONTINUE SEMI?                                                    # continueStmt
    | RETURN expr? SEMI?                                                # returnStmt
    | FORWARD name SEMI?                                                # forwardStmt
    | REPLY expr? SEMI?                                                 # replyStmt
    | DROP SEMI?                                                        # dropStmt
    | ENTER name SEMI?                                                  # enterStmt
    | CLOSE SEMI?                                                       # closeStmt
    | PUSH expr (AFTER | BEFORE) expr SEMI?                             # pushStmt
    | POP expr SEMI?                                                    # popStmt
    | place op=(ASSIGN | PLUS_ASSIGN | MINUS_ASSIGN | AND_ASSIGN | OR_ASSIGN
               | XOR_ASSIGN | SHL_ASSIGN | SHR_ASSIGN) expr SEMI?       # assignStmt
    | place LPAREN argList? RPAREN SEMI?                                # callStmt
    ;

// What a statement can assign to or call: a name with fields and indexes. Statements never start
// with `(`, `[` or an operator, so a call on the next line is never mistaken for a continuation.
place : name (DOT name | LBRACK expr RBRACK)* ;

ifStatement : IF expr block (ELSE (ifStatement | block))? ;

matchArm    : pattern (COMMA pattern)* FAT_ARROW (block | statement) COMMA? ;

// `_`, a value, a range `lo..hi`, or a ternary `value &&& mask`.
pattern
    : expr DOTDOT expr                   # rangePattern
    | expr TERNARY_MASK expr             # maskPattern
    | expr                               # valuePattern
    ;

// ---- Expressions, tightest first --------------------------------------------------------------
expr
    : primary                                                   # primaryExpr
    | expr DOT name                                             # fieldExpr
    | expr LPAREN argList? RPAREN                               # callExpr
    | expr LBRACK expr RBRACK                                   # indexExpr
    | expr AS type                                              # castExpr
    | op=(MINUS | TILDE) expr                                   # unaryExpr
    | expr op=(STAR | SLASH | PERCENT) expr                     # binaryExpr
    | expr op=(PLUS | MINUS) expr                               # binaryExpr
    | expr op=(SHL | SHR) expr                                  # binaryExpr
    | expr op=AMP expr                                          # binaryExpr
    | expr op=CARET expr                                        # binaryExpr
    | expr op=PIPE expr                                         # binaryExpr
    | expr op=(EQ | NEQ | LT | LTE | GT | GTE) expr             # binaryExpr
    | op=NOT expr                                               # unaryExpr   // `not a == b` is `not (a == b)`
    | expr op=AND expr                                          # binaryExpr
    | expr op=OR expr                                           # binaryExpr
    ;

argList : expr (COMMA expr)* COMMA? ;

primary
    : literal                                                               # literalPrimary
    | qualifiedName LBRACE (fieldInit (COMMA fieldInit)* COMMA?)? RBRACE    # structLiteral
    | name                                                                  # namePrimary
    | LPAREN expr RPAREN                                                    # parenPrimary
    | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK                            # arrayLiteral
    ;

fieldInit : name COLON expr ;

literal
    : INT | SIZE_LIT | DURATION_LIT | IP4 | IP4_PREFIX | IP6 | IP6_PREFIX | MAC
    | STRING | BYTES | TRUE | FALSE
    ;

// Declaration keywords are reserved only where they start a declaration; elsewhere they are
// ordinary names, so a header may have fields called `size`, `key` or `state`.
name
    : ID
    | ACTION | ACTIONS | AFTER | BEFORE | BUILD | BY | CAPACITY | CLOSE | CONNECT | CONNECTIONS
    | COUNTER | DEFAULT | ENTER | ENTRIES | EVERY | EXPIRE | FRAMED | FROM | HEADER | KEY | LE | LOAD
    | LRU | MAP | MAX | PARAM | PARSER | PHASE | PORT | SESSION | SHARED | SIZE_KW | STATE | STORE
    | TABLE | TEST | TIMER
    ;
