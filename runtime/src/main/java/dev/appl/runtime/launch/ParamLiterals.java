package dev.appl.runtime.launch;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a param's value from the command line ({@code --param NAME=VALUE}), written as a literal
 * is in a spec: integers in decimal, hex ({@code 0x}) or binary ({@code 0b}) with {@code _}
 * between digits and a leading {@code -} for signed types, {@code true}/{@code false},
 * {@code 192.0.2.1}, {@code 2001:db8::1}, {@code 02:00:00:00:00:01}, sizes ({@code 64KiB}: B, KiB,
 * MiB, GiB, TiB, KB, MB, GB, TB), durations ({@code 10ms}: ns, us, ms, s, min, h) and enum cases
 * ({@code IpProto.Tcp}, or the case alone). Paths and strings are taken as they are.
 *
 * <p>This is the runtime's copy of what {@code applc run} does through the front end, which images
 * do not ship; the values are the same, and so are the messages for the usual mistakes (a number
 * that does not fit, a literal of the wrong kind, a number without its unit).
 */
public final class ParamLiterals {
    private ParamLiterals() {}

    private static final Pattern IP4_PREFIX = Pattern.compile("([0-9]{1,3}(?:\\.[0-9]{1,3}){3})/([0-9][0-9_]*)");
    private static final Pattern IP4 = Pattern.compile("[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}");
    private static final Pattern IP6 = Pattern.compile("([0-9a-fA-F:]*:[0-9a-fA-F:]*(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3})?)"
            + "(?:/([0-9][0-9_]*))?");
    private static final Pattern SIZE = Pattern.compile("([0-9][0-9_]*)(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)");
    private static final Pattern DURATION = Pattern.compile("([0-9][0-9_]*)(ns|us|ms|s|min|h)");
    private static final Pattern INT = Pattern.compile("[0-9][0-9_]*|0x[0-9a-fA-F_]*|0b[01_]*");
    private static final Pattern NAME = Pattern.compile("(?:([A-Za-z_][A-Za-z0-9_]*)\\.)?([A-Za-z_][A-Za-z0-9_]*)");

    /** What a literal turned out to be, and the type a spec gives it (for messages). */
    private enum Found {
        INT("integer literal"), BOOL("bool"), IP4("ip4"), PREFIX4("prefix4"), IP6("ip6"), PREFIX6("prefix6"),
        MAC("mac"), SIZE("size"), DURATION("duration"), NAME("name");

        final String type;

        Found(String type) {
            this.type = type;
        }
    }

    private record Literal(Found kind, BigInteger value, String qualifier, String name) {}

    /**
     * The value of a param of type {@code type} written {@code text}: a {@code Long} (integers,
     * bool as 0 or 1, ip4, mac, sizes in bytes, durations in nanoseconds, enum cases by value), a
     * {@code BigInteger} (ip6) or the text itself (path, string).
     *
     * @throws IllegalArgumentException with the problem, as {@code applc run} words it
     */
    public static Object parse(ParamType type, String text) {
        switch (type.kind()) {
            case PATH, STRING -> {
                return text;
            }
            case PREFIX4, PREFIX6, OTHER -> throw new IllegalArgumentException("a param of type `" + type.name()
                    + "` cannot be set from the command line yet");
            default -> {}
        }
        String written = text.strip();
        if (written.isEmpty()) {
            throw new IllegalArgumentException("no value: write " + example(type));
        }
        String rest = written;
        boolean negative = false;
        while (rest.startsWith("-")) {
            negative = !negative;
            rest = rest.substring(1).strip();
        }
        boolean negated = !rest.equals(written);
        Literal lit = literal(rest, type);
        if (negated && lit.kind() != Found.INT) {
            throw new IllegalArgumentException("operator `-` cannot be applied to `" + lit.kind().type + "`");
        }
        BigInteger value = negative ? lit.value().negate() : lit.value();
        return switch (type.kind()) {
            case UNSIGNED, SIGNED -> {
                expect(type, lit, Found.INT);
                BigInteger min = type.kind() == ParamType.Kind.SIGNED ? BigInteger.ONE.shiftLeft(type.bits() - 1).negate()
                        : BigInteger.ZERO;
                BigInteger max = type.kind() == ParamType.Kind.SIGNED ? BigInteger.ONE.shiftLeft(type.bits() - 1)
                        .subtract(BigInteger.ONE) : BigInteger.ONE.shiftLeft(type.bits()).subtract(BigInteger.ONE);
                if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                    throw new IllegalArgumentException("`" + written + "` does not fit in `" + type.name() + "`");
                }
                yield value.longValue();
            }
            case BOOL -> {
                expect(type, lit, Found.BOOL);
                yield value.longValue();
            }
            case IP4 -> {
                expect(type, lit, Found.IP4);
                yield value.longValue();
            }
            case MAC -> {
                expect(type, lit, Found.MAC);
                yield value.longValue();
            }
            case IP6 -> {
                expect(type, lit, Found.IP6);
                yield value;
            }
            case SIZE -> {
                expect(type, lit, Found.SIZE);
                yield value.longValue();
            }
            case DURATION -> {
                expect(type, lit, Found.DURATION);
                yield value.longValue();
            }
            case ENUM -> {
                expect(type, lit, Found.NAME);
                yield enumCase(type, lit);
            }
            default -> throw new IllegalStateException(type.kind().name());
        };
    }

    /** A literal of any kind, decoded; its ranges checked as the front end checks them. */
    private static Literal literal(String text, ParamType type) {
        Matcher m;
        if (text.equals("true") || text.equals("false")) {
            return new Literal(Found.BOOL, text.equals("true") ? BigInteger.ONE : BigInteger.ZERO, null, null);
        }
        if ((m = IP4_PREFIX.matcher(text)).matches()) {
            ip4(m.group(1), text);
            return new Literal(Found.PREFIX4, BigInteger.ZERO, null, null);
        }
        if (IP4.matcher(text).matches()) {
            return new Literal(Found.IP4, BigInteger.valueOf(ip4(text, text)), null, null);
        }
        if (MAC.matcher(text).matches()) {
            return new Literal(Found.MAC, new BigInteger(text.replace(":", ""), 16), null, null);
        }
        if (type.kind() == ParamType.Kind.MAC && text.matches("[0-9a-fA-F:]*:[0-9a-fA-F:]*")) {
            throw new IllegalArgumentException("invalid literal `" + text + "`: a MAC address is six pairs of hex digits,"
                    + " like `02:00:00:00:00:01`");
        }
        if ((m = IP6.matcher(text)).matches() && text.indexOf(':') >= 0) {
            BigInteger v = ip6(m.group(1), text);
            return new Literal(m.group(2) == null ? Found.IP6 : Found.PREFIX6, v, null, null);
        }
        if ((m = SIZE.matcher(text)).matches()) {
            return new Literal(Found.SIZE, scaled(text, m.group(1), sizeUnit(m.group(2))), null, null);
        }
        if ((m = DURATION.matcher(text)).matches()) {
            return new Literal(Found.DURATION, scaled(text, m.group(1), durationUnit(m.group(2))), null, null);
        }
        if (INT.matcher(text).matches()) {
            return new Literal(Found.INT, integer(text), null, null);
        }
        if ((m = NAME.matcher(text)).matches()) {
            return new Literal(Found.NAME, BigInteger.ZERO, m.group(1), m.group(2));
        }
        throw new IllegalArgumentException("`" + text + "` is not a value of type `" + type.name() + "`: write "
                + example(type));
    }

    private static void expect(ParamType type, Literal lit, Found wanted) {
        if (lit.kind() == wanted) {
            return;
        }
        if (lit.kind() == Found.NAME) {
            String name = lit.qualifier() == null ? lit.name() : lit.qualifier() + "." + lit.name();
            throw new IllegalArgumentException("`" + name + "` is not a value of type `" + type.name() + "`: write "
                    + example(type));
        }
        boolean unitWanted = wanted == Found.SIZE || wanted == Found.DURATION;
        boolean unitFound = lit.kind() == Found.SIZE || lit.kind() == Found.DURATION;
        boolean integers = lit.kind() == Found.INT || type.kind() == ParamType.Kind.UNSIGNED
                || type.kind() == ParamType.Kind.SIGNED;
        if (unitWanted != unitFound && integers) {
            throw new IllegalArgumentException("`" + type.name() + "` and `" + lit.kind().type
                    + "` do not mix; convert explicitly with `as`");
        }
        throw new IllegalArgumentException("expected `" + type.name() + "`, found `" + lit.kind().type + "`");
    }

    private static long enumCase(ParamType type, Literal lit) {
        if (lit.qualifier() != null && !lit.qualifier().equals(type.name())) {
            throw new IllegalArgumentException("expected `" + type.name() + "`, found `" + lit.qualifier() + "`");
        }
        Long value = type.cases().get(lit.name());
        if (value != null) {
            return value;
        }
        String similar = similar(lit.name(), type.cases().keySet());
        throw new IllegalArgumentException(type.name() + " has no case `" + lit.name() + "`" + (similar != null
                ? " (did you mean " + type.name() + "." + similar + "?)" : "; its cases are " + caseList(type)));
    }

    // ---- Literals, as the front end reads them ------------------------------------------------

    private static BigInteger integer(String text) {
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
            throw new IllegalArgumentException("invalid literal `" + text + "`: no digits");
        }
        String significant = digits.replaceFirst("^0+(?=.)", "");
        if (significant.length() > (radix == 16 ? 16 : radix == 2 ? 64 : 20)
                || new BigInteger(digits, radix).bitLength() > 64) {
            throw new IllegalArgumentException("invalid literal `" + text + "`: larger than 64 bits");
        }
        return new BigInteger(digits, radix);
    }

    private static BigInteger scaled(String text, String digits, long unit) {
        BigInteger v = integer(digits).multiply(BigInteger.valueOf(unit));
        if (v.bitLength() > 64) {
            throw new IllegalArgumentException("invalid literal `" + text + "`: larger than 64 bits");
        }
        return v;
    }

    private static long sizeUnit(String unit) {
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

    private static long durationUnit(String unit) {
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

    private static long ip4(String address, String text) {
        long value = 0;
        for (String part : address.split("\\.")) {
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("invalid literal `" + text + "`: octet " + octet + " is larger than 255");
            }
            value = value << 8 | octet;
        }
        return value;
    }

    /** RFC 4291 text form: eight groups, or fewer around one {@code ::}, optionally ending in IPv4. */
    private static BigInteger ip6(String address, String text) {
        String body = address;
        List<Integer> tail4 = new ArrayList<>();
        if (body.indexOf('.') >= 0) {
            int lastColon = body.lastIndexOf(':');
            long v4 = ip4(body.substring(lastColon + 1), text);
            tail4.add((int) (v4 >>> 16));
            tail4.add((int) (v4 & 0xffff));
            String head = body.substring(0, lastColon + 1);
            body = head.endsWith("::") ? head : head.substring(0, head.length() - 1);
        }
        int gap = body.indexOf("::");
        if (gap >= 0 && body.indexOf("::", gap + 1) >= 0) {
            throw new IllegalArgumentException("invalid literal `" + text + "`: `::` may appear only once");
        }
        List<Integer> head = groups(gap >= 0 ? body.substring(0, gap) : body, text);
        List<Integer> after = new ArrayList<>(gap >= 0 ? groups(body.substring(gap + 2), text) : List.of());
        after.addAll(tail4);
        int given = head.size() + after.size();
        if (gap < 0 ? given != 8 : given > 7) {
            throw new IllegalArgumentException("invalid literal `" + text + "`: an IPv6 address has eight 16-bit groups");
        }
        List<Integer> all = new ArrayList<>(head);
        for (int i = given; i < 8; i++) {
            all.add(0);
        }
        all.addAll(after);
        BigInteger value = BigInteger.ZERO;
        for (int g : all) {
            value = value.shiftLeft(16).or(BigInteger.valueOf(g));
        }
        return value;
    }

    private static List<Integer> groups(String text, String literal) {
        List<Integer> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String g : text.split(":", -1)) {
            if (g.isEmpty() || g.length() > 4) {
                throw new IllegalArgumentException("invalid literal `" + literal + "`: "
                        + (g.isEmpty() ? "empty group" : "group `" + g + "` has more than four hex digits"));
            }
            out.add(Integer.parseInt(g, 16));
        }
        return out;
    }

    // ---- Showing values ------------------------------------------------------------------------

    /** A value as a spec would write it: {@code 10.0.0.1}, {@code 64KiB}, {@code 10s}, {@code IpProto.Tcp}. */
    public static String show(ParamType type, Object value) {
        if (value instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        if (value instanceof BigInteger big) {
            return type.kind() == ParamType.Kind.IP6 ? ip6Text(big) : big.toString();
        }
        long v = (Long) value;
        return switch (type.kind()) {
            case UNSIGNED -> Long.toUnsignedString(v);
            case BOOL -> v != 0 ? "true" : "false";
            case IP4 -> (v >>> 24 & 255) + "." + (v >>> 16 & 255) + "." + (v >>> 8 & 255) + "." + (v & 255);
            case MAC -> String.format(Locale.ROOT, "%02x:%02x:%02x:%02x:%02x:%02x", v >>> 40 & 255, v >>> 32 & 255,
                    v >>> 24 & 255, v >>> 16 & 255, v >>> 8 & 255, v & 255);
            case SIZE -> withUnit(v, new String[] {"TiB", "GiB", "MiB", "KiB"},
                    new long[] {1L << 40, 1L << 30, 1L << 20, 1L << 10}, "B");
            case DURATION -> withUnit(v, new String[] {"h", "min", "s", "ms", "us"},
                    new long[] {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L}, "ns");
            case ENUM -> {
                for (Map.Entry<String, Long> c : type.cases().entrySet()) {
                    if (c.getValue() == v) {
                        yield type.name() + "." + c.getKey();
                    }
                }
                yield Long.toString(v);
            }
            default -> Long.toString(v);
        };
    }

    private static String withUnit(long v, String[] units, long[] scales, String base) {
        for (int i = 0; i < units.length; i++) {
            if (v != 0 && Long.remainderUnsigned(v, scales[i]) == 0) {
                return Long.toUnsignedString(Long.divideUnsigned(v, scales[i])) + units[i];
            }
        }
        return Long.toUnsignedString(v) + base;
    }

    /** RFC 5952 form: lower-case hex, the longest run of two or more zero groups as {@code ::}. */
    private static String ip6Text(BigInteger v) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = v.shiftRight(16 * (7 - i)).intValue() & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    /** How a value of the type is written, for messages: "a number from 0 to 255, like `80`". */
    static String example(ParamType type) {
        return switch (type.kind()) {
            case UNSIGNED -> "a number from 0 to " + (type.bits() == 64 ? "18446744073709551615"
                    : Long.toString((1L << type.bits()) - 1)) + ", like `80` or `0x50`";
            case SIGNED -> "a number from " + (-1L << (type.bits() - 1)) + " to " + ~(-1L << (type.bits() - 1));
            case BOOL -> "`true` or `false`";
            case IP4 -> "an IPv4 address like `192.0.2.1`";
            case IP6 -> "an IPv6 address like `2001:db8::1`";
            case MAC -> "a MAC address like `02:00:00:00:00:01`";
            case SIZE -> "a size like `1500B` or `64KiB`";
            case DURATION -> "a duration like `10ms` or `5min`";
            case ENUM -> "a case of " + type.name() + ": " + caseList(type);
            default -> "a `" + type.name() + "`";
        };
    }

    private static String caseList(ParamType type) {
        List<String> names = new ArrayList<>();
        for (String c : type.cases().keySet()) {
            if (names.size() == 16) {
                names.add("...");
                break;
            }
            names.add(type.name() + "." + c);
        }
        return String.join(", ", names);
    }

    /** The name most like {@code name}: the same but for case, or a few letters off; null if none is close. */
    static String similar(String name, Iterable<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int d = n.equalsIgnoreCase(name) ? 0 : distance(n.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT)) + 1;
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return bestDistance <= 1 + Math.min(2, Math.max(1, name.length() / 4)) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }
}
