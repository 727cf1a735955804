package dev.appl.language.syntax;

import dev.appl.language.ast.Expr;
import dev.appl.language.diag.Span;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes literal tokens. The lexer only checks their shape; ranges (an octet over 255, a prefix
 * longer than its address, host bits set after a prefix) are checked here and reported through
 * {@code invalid}, after which a harmless value is returned so that checking can go on.
 */
final class Literals {
    interface Invalid {
        void report(Span span, String why);
    }

    private Literals() {}

    static BigInteger integer(String text, Invalid invalid, Span span) {
        String digits = text.replace("_", "");
        int radix = 10;
        if (digits.startsWith("0x")) {
            radix = 16;
            digits = digits.substring(2);
        } else if (digits.startsWith("0b")) {
            radix = 2;
            digits = digits.substring(2);
        }
        if (digits.isEmpty()) {
            invalid.report(span, "no digits");
            return BigInteger.ZERO;
        }
        // Refuse absurd lengths before converting: BigInteger's parse is quadratic in the digits.
        String significant = digits.replaceFirst("^0+(?=.)", "");
        if (significant.length() > (radix == 16 ? 16 : radix == 2 ? 64 : 20)) {
            invalid.report(span, "larger than 64 bits");
            return BigInteger.ZERO;
        }
        BigInteger value = new BigInteger(digits, radix);
        if (value.bitLength() > 64) {
            invalid.report(span, "larger than 64 bits");
            return BigInteger.ZERO;
        }
        return value;
    }

    static int unitStart(String text) {
        int i = 0;
        while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    static long sizeUnit(String unit) {
        return switch (unit) {
            case "B" -> 1L;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "TiB" -> 1L << 40;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    static long durationUnit(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "min" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    static BigInteger ip4(String text, Invalid invalid, Span span) {
        long value = 0;
        for (String part : text.split("\\.")) {
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                invalid.report(span, "octet " + octet + " is larger than 255");
                octet = 0;
            }
            value = value << 8 | octet;
        }
        return BigInteger.valueOf(value);
    }

    static BigInteger mac(String text) {
        return new BigInteger(text.replace(":", ""), 16);
    }

    /** RFC 4291 text form: eight groups, or fewer around one {@code ::}, optionally ending in IPv4. */
    static BigInteger ip6(String text, Invalid invalid, Span span) {
        String body = text;
        List<Integer> tail4 = new ArrayList<>();
        if (body.indexOf('.') >= 0) {
            int lastColon = body.lastIndexOf(':');
            int v4 = ip4(body.substring(lastColon + 1), invalid, span).intValue();
            tail4.add(v4 >>> 16);
            tail4.add(v4 & 0xffff);
            String head = body.substring(0, lastColon + 1);
            body = head.endsWith("::") ? head : head.substring(0, head.length() - 1);
        }
        int gap = body.indexOf("::");
        if (gap >= 0 && body.indexOf("::", gap + 1) >= 0) {
            invalid.report(span, "`::` may appear only once");
            return BigInteger.ZERO;
        }
        List<Integer> head = groups(gap >= 0 ? body.substring(0, gap) : body, invalid, span);
        List<Integer> rest = gap >= 0 ? groups(body.substring(gap + 2), invalid, span) : List.of();
        List<Integer> after = new ArrayList<>(rest);
        after.addAll(tail4);
        int given = head.size() + after.size();
        if (gap < 0 ? given != 8 : given > 7) {
            invalid.report(span, "an IPv6 address has eight 16-bit groups");
            return BigInteger.ZERO;
        }
        BigInteger value = BigInteger.ZERO;
        List<Integer> all = new ArrayList<>(head);
        for (int i = given; i < 8; i++) {
            all.add(0);
        }
        all.addAll(after);
        for (int g : all) {
            value = value.shiftLeft(16).or(BigInteger.valueOf(g));
        }
        return value;
    }

    private static List<Integer> groups(String text, Invalid invalid, Span span) {
        List<Integer> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String g : text.split(":", -1)) {
            if (g.isEmpty()) {
                invalid.report(span, "empty group");
                out.add(0);
            } else {
                out.add(Integer.parseInt(g, 16));
            }
        }
        return out;
    }

    static Expr.AddressLit prefix(Expr.AddressKind kind, String text, Invalid invalid, Span span) {
        int slash = text.lastIndexOf('/');
        String address = text.substring(0, slash);
        BigInteger value = kind == Expr.AddressKind.IP4 ? ip4(address, invalid, span) : ip6(address, invalid, span);
        String lengthText = text.substring(slash + 1).replace("_", "");
        int length = lengthText.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(lengthText);
        if (length > kind.bits) {
            invalid.report(span, "a prefix of " + kind.name().toLowerCase() + " is at most " + kind.bits + " bits long");
            length = kind.bits;
        }
        BigInteger hostMask = BigInteger.ONE.shiftLeft(kind.bits - length).subtract(BigInteger.ONE);
        if (value.and(hostMask).signum() != 0) {
            invalid.report(span, "bits are set after the first " + length);
            value = value.andNot(hostMask);
        }
        return new Expr.AddressLit(kind, value, length, text, span);
    }

    /** Whether a string token ends with an unescaped closing quote. */
    static boolean isTerminated(String text) {
        if (text.length() < 2 || !text.endsWith("\"")) {
            return false;
        }
        int backslashes = 0;
        for (int i = text.length() - 2; i > 0 && text.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 0;
    }

    static String unescape(String quoted, Invalid invalid, Span span) {
        String body = quoted.substring(1, isTerminated(quoted) ? quoted.length() - 1 : quoted.length());
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) {
                out.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '0' -> out.append('\0');
                case '\\', '"' -> out.append(e);
                default -> {
                    invalid.report(span, "unknown escape `\\" + e + "`");
                    out.append(e);
                }
            }
        }
        return out.toString();
    }

    static String hexBytes(String literal, Invalid invalid, Span span) {
        String hex = literal.substring(2, literal.length() - 1).replace(" ", "").replace("_", "")
                .toLowerCase(java.util.Locale.ROOT);
        if (hex.length() % 2 != 0) {
            invalid.report(span, "an odd number of hex digits");
            return "";
        }
        return hex;
    }
}
