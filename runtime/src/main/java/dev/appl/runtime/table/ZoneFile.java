package dev.appl.runtime.table;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A DNS zone in the master file format of RFC 1035 §5.1, the subset an authoritative appliance
 * serves: {@code $ORIGIN}, {@code $TTL}, {@code @}, relative and absolute names, a blank owner for
 * the previous one, TTL and class in either order, parentheses across lines, {@code ;} comments,
 * quoted strings, and the types A, AAAA, NS, CNAME, MX, TXT and SOA of class IN. Anything else
 * ({@code $INCLUDE}, {@code $GENERATE}, other types or classes, escapes in names) is refused with
 * its line and column: a zone file is used as a whole or not at all.
 */
public final class ZoneFile {
    /** One record: owner and rdata in uncompressed wire form, as written (case kept). */
    public record Record(byte[] owner, int type, long ttl, byte[] rdata, int line) {}

    public static final int A = 1;
    public static final int NS = 2;
    public static final int CNAME = 5;
    public static final int SOA = 6;
    public static final int MX = 15;
    public static final int TXT = 16;
    public static final int AAAA = 28;

    private final Path file;
    private final List<Record> records = new ArrayList<>();
    private byte[] origin;
    private Long defaultTtl;
    private byte[] previousOwner;
    private Long lastTtl;

    private ZoneFile(Path file, byte[] origin) {
        this.file = file;
        this.origin = origin;
    }

    /**
     * Reads a zone file; names without a final dot are relative to {@code $ORIGIN}, or to
     * {@code origin} (a name such as {@code example.test.}) until the file sets one.
     *
     * @throws RulesFileException listing the file's problems (nothing is returned then)
     */
    public static List<Record> read(Path file, String origin) throws IOException {
        ZoneFile z = new ZoneFile(file, origin == null ? null : absoluteName(origin));
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<RulesFileException.Problem> problems = new ArrayList<>();
        List<Token> pending = new ArrayList<>();
        int depth = 0;
        int startLine = 0;
        boolean ownerBlank = false;
        for (int i = 0; i < lines.size(); i++) {
            List<Token> tokens;
            try {
                tokens = tokens(lines.get(i), i + 1);
            } catch (Problem p) {
                problems.add(z.problem(p));
                continue;
            }
            if (depth == 0) {
                startLine = i + 1;
                ownerBlank = !lines.get(i).isEmpty() && Character.isWhitespace(lines.get(i).charAt(0));
                pending.clear();
            }
            for (Token t : tokens) {
                if (t.text.equals("(") && !t.quoted) {
                    depth++;
                } else if (t.text.equals(")") && !t.quoted) {
                    depth--;
                    if (depth < 0) {
                        problems.add(z.problem(new Problem(t.line, t.column, "`)` without `(`")));
                        depth = 0;
                    }
                } else {
                    pending.add(t);
                }
            }
            if (depth == 0 && !pending.isEmpty()) {
                try {
                    z.entry(List.copyOf(pending), ownerBlank, startLine);
                } catch (Problem p) {
                    problems.add(z.problem(p));
                }
            }
        }
        if (depth > 0) {
            problems.add(z.problem(new Problem(startLine, 1, "`(` is not closed before the end of the file")));
        }
        if (problems.isEmpty() && z.records.stream().noneMatch(r -> r.type() == SOA)) {
            problems.add(z.problem(new Problem(1, 1, "the zone has no SOA record")));
        }
        if (!problems.isEmpty()) {
            throw new RulesFileException(problems.subList(0, Math.min(problems.size(), 20)),
                    Math.max(0, problems.size() - 20));
        }
        return List.copyOf(z.records);
    }

    private RulesFileException.Problem problem(Problem p) {
        return new RulesFileException.Problem(file.toString(), p.line, p.column, p.getMessage());
    }

    /** A problem at a line and column, thrown inside the reader and collected. */
    private static final class Problem extends Exception {
        final int line;
        final int column;

        Problem(int line, int column, String message) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }
    }

    private record Token(String text, boolean quoted, int line, int column) {}

    private static List<Token> tokens(String line, int number) throws Problem {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == ';') {
                break;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '(' || c == ')') {
                out.add(new Token(String.valueOf(c), false, number, i + 1));
                i++;
                continue;
            }
            if (c == '"') {
                StringBuilder s = new StringBuilder();
                int start = i++;
                while (i < line.length() && line.charAt(i) != '"') {
                    if (line.charAt(i) == '\\' && i + 1 < line.length()) {
                        i++;
                    }
                    s.append(line.charAt(i++));
                }
                if (i >= line.length()) {
                    throw new Problem(number, start + 1, "a quoted string is not closed on its line");
                }
                i++;
                out.add(new Token(s.toString(), true, number, start + 1));
                continue;
            }
            int start = i;
            while (i < line.length() && !Character.isWhitespace(line.charAt(i)) && "();\"".indexOf(line.charAt(i)) < 0) {
                i++;
            }
            out.add(new Token(line.substring(start, i), false, number, start + 1));
        }
        return out;
    }

    private void entry(List<Token> tokens, boolean ownerBlank, int line) throws Problem {
        Token first = tokens.getFirst();
        if (!ownerBlank && first.text.startsWith("$")) {
            directive(tokens);
            return;
        }
        int i = 0;
        byte[] owner;
        if (ownerBlank) {
            if (previousOwner == null) {
                throw new Problem(first.line, first.column, "a record without an owner, and no record before it");
            }
            owner = previousOwner;
        } else {
            owner = name(first);
            i = 1;
        }
        Long ttl = null;
        for (int k = 0; k < 2 && i < tokens.size(); k++) {
            String t = tokens.get(i).text;
            if (ttl == null && !tokens.get(i).quoted && t.matches("[0-9]+[smhdwSMHDW0-9]*")) {
                ttl = ttl(tokens.get(i));
                i++;
            } else if (t.equalsIgnoreCase("IN")) {
                i++;
            } else if (t.equalsIgnoreCase("CH") || t.equalsIgnoreCase("HS") || t.equalsIgnoreCase("CS")) {
                throw new Problem(tokens.get(i).line, tokens.get(i).column, "only class IN is served, not " + t);
            }
        }
        if (i >= tokens.size()) {
            throw new Problem(first.line, first.column, "a record needs a type and its data");
        }
        Token typeToken = tokens.get(i++);
        String type = typeToken.text.toUpperCase(Locale.ROOT);
        List<Token> data = tokens.subList(i, tokens.size());
        int code;
        byte[] rdata;
        switch (type) {
            case "A" -> {
                code = A;
                rdata = address(one(data, typeToken), 4);
            }
            case "AAAA" -> {
                code = AAAA;
                rdata = address(one(data, typeToken), 16);
            }
            case "NS" -> {
                code = NS;
                rdata = name(one(data, typeToken));
            }
            case "CNAME" -> {
                code = CNAME;
                rdata = name(one(data, typeToken));
            }
            case "MX" -> {
                code = MX;
                count(data, 2, typeToken, "a preference and a mail exchange");
                rdata = concat(u16(number(data.get(0), 0xffff)), name(data.get(1)));
            }
            case "TXT" -> {
                code = TXT;
                if (data.isEmpty()) {
                    throw new Problem(typeToken.line, typeToken.column, "TXT needs at least one string");
                }
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                for (Token t : data) {
                    byte[] s = t.text.getBytes(StandardCharsets.UTF_8);
                    if (s.length > 255) {
                        throw new Problem(t.line, t.column, "a TXT string holds at most 255 bytes, not " + s.length);
                    }
                    out.write(s.length);
                    out.writeBytes(s);
                }
                rdata = out.toByteArray();
            }
            case "SOA" -> {
                code = SOA;
                count(data, 7, typeToken, "mname, rname, serial, refresh, retry, expire and minimum");
                rdata = concat(name(data.get(0)), name(data.get(1)), u32(number(data.get(2), 0xffffffffL)),
                        u32(ttl(data.get(3))), u32(ttl(data.get(4))), u32(ttl(data.get(5))), u32(ttl(data.get(6))));
            }
            default -> throw new Problem(typeToken.line, typeToken.column, "record type `" + typeToken.text
                    + "` is not served (A, AAAA, NS, CNAME, MX, TXT and SOA are)");
        }
        if (rdata.length > 65535) {
            throw new Problem(typeToken.line, typeToken.column, "the record's data is longer than 65,535 bytes");
        }
        if (ttl == null) {
            // Not one conditional expression: with minimum's long in it, a null lastTtl would be unboxed.
            if (defaultTtl != null) {
                ttl = defaultTtl;
            } else if (code == SOA) {
                ttl = minimum(rdata);
            } else {
                ttl = lastTtl;
            }
            if (ttl == null) {
                throw new Problem(first.line, first.column, "a record without a TTL, and no $TTL or record before it");
            }
        }
        lastTtl = ttl;
        previousOwner = owner;
        records.add(new Record(owner, code, ttl, rdata, line));
    }

    private static long minimum(byte[] soa) {
        int n = soa.length;
        return (soa[n - 4] & 0xffL) << 24 | (soa[n - 3] & 0xffL) << 16 | (soa[n - 2] & 0xffL) << 8 | soa[n - 1] & 0xffL;
    }

    private void directive(List<Token> tokens) throws Problem {
        Token d = tokens.getFirst();
        switch (d.text.toUpperCase(Locale.ROOT)) {
            case "$ORIGIN" -> {
                count(tokens.subList(1, tokens.size()), 1, d, "a name");
                Token n = tokens.get(1);
                if (!n.text.endsWith(".")) {
                    throw new Problem(n.line, n.column, "$ORIGIN takes an absolute name, ending in `.`");
                }
                origin = name(n);
            }
            case "$TTL" -> {
                count(tokens.subList(1, tokens.size()), 1, d, "a time");
                defaultTtl = ttl(tokens.get(1));
            }
            default -> throw new Problem(d.line, d.column, "directive `" + d.text + "` is not supported ($ORIGIN and"
                    + " $TTL are)");
        }
    }

    private static Token one(List<Token> data, Token type) throws Problem {
        count(data, 1, type, "one value");
        return data.getFirst();
    }

    private static void count(List<Token> data, int n, Token after, String what) throws Problem {
        if (data.size() != n) {
            throw new Problem(after.line, after.column, after.text + " takes " + what + "; found " + data.size()
                    + (data.size() == 1 ? " value" : " values"));
        }
    }

    /** A name in wire form: absolute, relative to the origin, or {@code @}. */
    private byte[] name(Token t) throws Problem {
        if (t.quoted) {
            throw new Problem(t.line, t.column, "a name is not quoted");
        }
        String text = t.text;
        if (text.equals("@")) {
            if (origin == null) {
                throw new Problem(t.line, t.column, "`@` before any $ORIGIN");
            }
            return origin;
        }
        if (text.indexOf('\\') >= 0) {
            throw new Problem(t.line, t.column, "escapes in names are not supported");
        }
        boolean absolute = text.endsWith(".");
        if (!absolute && origin == null) {
            throw new Problem(t.line, t.column, "the relative name `" + text + "` before any $ORIGIN");
        }
        byte[] wire;
        try {
            wire = absoluteName(absolute ? text : text + ".");
        } catch (IllegalArgumentException e) {
            throw new Problem(t.line, t.column, e.getMessage());
        }
        byte[] full = absolute ? wire : concat(java.util.Arrays.copyOf(wire, wire.length - 1), origin);
        if (full.length > 255) {
            throw new Problem(t.line, t.column, "`" + text + "` is longer than 255 bytes in wire form");
        }
        return full;
    }

    /** {@code www.example.test.} in wire form: length-prefixed labels and a zero byte. */
    public static byte[] absoluteName(String name) {
        if (name.equals(".")) {
            return new byte[] {0};
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String label : name.substring(0, name.length() - 1).split("\\.", -1)) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            if (b.length == 0 || b.length > 63) {
                throw new IllegalArgumentException("`" + name + "` has a label of " + b.length
                        + " bytes; labels hold 1 to 63");
            }
            out.write(b.length);
            out.writeBytes(b);
        }
        out.write(0);
        return out.toByteArray();
    }

    private static long ttl(Token t) throws Problem {
        String text = t.text.toLowerCase(Locale.ROOT);
        long total = 0;
        long n = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                n = (n < 0 ? 0 : n) * 10 + (c - '0');
                if (n > 0xffffffffL) {
                    break;
                }
            } else {
                int unit = "smhdw".indexOf(c);
                if (unit < 0 || n < 0) {
                    throw new Problem(t.line, t.column, "`" + t.text + "` is not a time (seconds, or 1h30m style)");
                }
                total += n * new long[] {1, 60, 3600, 86400, 604800}[unit];
                n = -1;
            }
        }
        total += Math.max(n, 0);
        if (total > 0x7fffffffL) {
            throw new Problem(t.line, t.column, "`" + t.text + "` is longer than a TTL may be (2^31 - 1 seconds)");
        }
        return total;
    }

    private static long number(Token t, long max) throws Problem {
        try {
            long v = Long.parseLong(t.text);
            if (v < 0 || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new Problem(t.line, t.column, "`" + t.text + "` is not a number from 0 to " + max);
        }
    }

    private static byte[] address(Token t, int bytes) throws Problem {
        boolean v6 = bytes == 16;
        if (t.quoted || (v6 ? t.text.indexOf(':') < 0 : !t.text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}"))) {
            throw new Problem(t.line, t.column, "`" + t.text + "` is not an " + (v6 ? "IPv6" : "IPv4") + " address");
        }
        try {
            byte[] a = InetAddress.getByName(t.text).getAddress();
            if (a.length != bytes) {
                throw new UnknownHostException();
            }
            return a;
        } catch (UnknownHostException | SecurityException e) {
            throw new Problem(t.line, t.column, "`" + t.text + "` is not an " + (v6 ? "IPv6" : "IPv4") + " address");
        }
    }

    private static byte[] u16(long v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    private static byte[] u32(long v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
