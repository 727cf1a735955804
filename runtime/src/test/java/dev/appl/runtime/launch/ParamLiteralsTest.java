package dev.appl.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Param values written on the command line: every kind of literal, and the messages for mistakes. */
class ParamLiteralsTest {
    private static final ParamType IP_PROTO = ParamType.enumeration("IpProto", 8, ordered("Icmp", 1L, "Tcp", 6L,
            "Udp", 17L));
    private static final ParamType COLOR = ParamType.enumeration("Color", 0, ordered("Red", 0L, "Green", 1L));

    private static Map<String, Long> ordered(Object... pairs) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Long) pairs[i + 1]);
        }
        return m;
    }

    private static ParamType type(String text) {
        return switch (text) {
            case "IpProto" -> IP_PROTO;
            case "Color" -> COLOR;
            default -> ParamType.parse(text);
        };
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "u8       | 200                   | 200",
        "u16      | 0x50                  | 80",
        "u16      | 0b101_0000            | 80",
        "u32      | 65_535                | 65535",
        "u16      | ' 7 '                 | 7",
        "u64      | 0xffff_ffff_ffff_ffff | -1",
        "u64      | 18446744073709551615  | -1",
        "i16      | -5                    | -5",
        "i8       | -128                  | -128",
        "i16      | --3                   | 3",
        "u8       | -0                    | 0",
        "bool     | true                  | 1",
        "bool     | false                 | 0",
        "ip4      | 10.0.0.1              | 167772161",
        "mac      | 02:00:00:00:00:0a     | 2199023255562",
        "size     | 1500B                 | 1500",
        "size     | 64KiB                 | 65536",
        "size     | 2MiB                  | 2097152",
        "size     | 1GiB                  | 1073741824",
        "size     | 3KB                   | 3000",
        "size     | 16_KiB                | 16384",
        "size     | 1MB                   | 1000000",
        "size     | 1GB                   | 1000000000",
        "duration | 5ns                   | 5",
        "duration | 7us                   | 7000",
        "duration | 10ms                  | 10000000",
        "duration | 2s                    | 2000000000",
        "duration | 5min                  | 300000000000",
        "duration | 1h                    | 3600000000000",
        "IpProto  | IpProto.Udp           | 17",
        "IpProto  | Tcp                   | 6",
        "Color    | Color.Green           | 1",
    })
    void readsEveryKindOfLiteral(String type, String text, long value) {
        assertEquals(value, ParamLiterals.parse(type(type), text));
    }

    @Test
    void readsIp6AndTextAsTheyAre() {
        assertEquals(new BigInteger("20010db8000000000000000000000001", 16),
                ParamLiterals.parse(ParamType.of(ParamType.Kind.IP6), "2001:db8::1"));
        assertEquals(BigInteger.ONE, ParamLiterals.parse(ParamType.of(ParamType.Kind.IP6), "::1"));
        assertEquals(new BigInteger("ffff01020304", 16), ParamLiterals.parse(ParamType.of(ParamType.Kind.IP6),
                "::ffff:1.2.3.4"));
        assertEquals(" rules.txt", ParamLiterals.parse(ParamType.of(ParamType.Kind.PATH), " rules.txt"));
        assertEquals("", ParamLiterals.parse(ParamType.of(ParamType.Kind.STRING), ""));
    }

    /** The first messages are word for word those of `applc run`, which reads values through the front end. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "u16      | 70000          | `70000` does not fit in `u16`",
        "u16      | -1             | `-1` does not fit in `u16`",
        "i16      | 0xffff         | `0xffff` does not fit in `i16`",
        "i16      | -40000         | `-40000` does not fit in `i16`",
        "u64      | 99999999999999999999 | invalid literal `99999999999999999999`: larger than 64 bits",
        "ip4      | 300.1.1.1      | invalid literal `300.1.1.1`: octet 300 is larger than 255",
        "ip4      | 5              | expected `ip4`, found `integer literal`",
        "ip6      | 1.2.3.4        | expected `ip6`, found `ip4`",
        "bool     | 1              | expected `bool`, found `integer literal`",
        "size     | 5              | `size` and `integer literal` do not mix; convert explicitly with `as`",
        "duration | 10             | `duration` and `integer literal` do not mix; convert explicitly with `as`",
        "u16      | 10ms           | `u16` and `duration` do not mix; convert explicitly with `as`",
        "size     | 10ms           | expected `size`, found `duration`",
        "ip4      | -1.2.3.4       | operator `-` cannot be applied to `ip4`",
        "bool     | -true          | operator `-` cannot be applied to `bool`",
        "ip4      | 1.2.3.4/8      | expected `ip4`, found `prefix4`",
        "ip6      | 1::2::3        | invalid literal `1::2::3`: `::` may appear only once",
        "ip6      | 1:2:3          | invalid literal `1:2:3`: an IPv6 address has eight 16-bit groups",
        "u8       | 0x             | invalid literal `0x`: no digits",
        "size     | 99999999999TB  | invalid literal `99999999999TB`: larger than 64 bits",
        "mac      | 02:00:00:00:00 | invalid literal `02:00:00:00:00`: a MAC address is six pairs of hex digits, like `02:00:00:00:00:01`",
        "bool     | yes            | `yes` is not a value of type `bool`: write `true` or `false`",
        "u8       | _1             | `_1` is not a value of type `u8`: write a number from 0 to 255, like `80` or `0x50`",
        "duration | 1.5s           | `1.5s` is not a value of type `duration`: write a duration like `10ms` or `5min`",
        "u8       | ''             | no value: write a number from 0 to 255, like `80` or `0x50`",
        "IpProto  | IpProto.Tcpp   | IpProto has no case `Tcpp` (did you mean IpProto.Tcp?)",
        "IpProto  | Gre            | IpProto has no case `Gre`; its cases are IpProto.Icmp, IpProto.Tcp, IpProto.Udp",
        "IpProto  | Color.Red      | expected `IpProto`, found `Color`",
        "IpProto  | 6              | expected `IpProto`, found `integer literal`",
        "prefix4  | 10.0.0.0/8     | a param of type `prefix4` cannot be set from the command line yet",
    })
    void saysWhatIsWrong(String type, String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParamLiterals.parse(type(type), text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "u64      | -1                                | 18446744073709551615",
        "i8       | -5                                | -5",
        "bool     | 1                                 | true",
        "ip4      | 3221225985                        | 192.0.2.1",
        "mac      | 2199023255562                     | 02:00:00:00:00:0a",
        "size     | 65536                             | 64KiB",
        "size     | 1500                              | 1500B",
        "size     | 0                                 | 0B",
        "duration | 300000000000                      | 5min",
        "duration | 1500000                           | 1500us",
        "duration | 7                                 | 7ns",
        "IpProto  | 17                                | IpProto.Udp",
        "IpProto  | 47                                | 47",
    })
    void showsValuesAsASpecWritesThem(String type, long value, String shown) {
        assertEquals(shown, ParamLiterals.show(type(type), value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "20010db8000000000000000000000001 | 2001:db8::1",
        "00000000000000000000000000000001 | ::1",
        "00000000000000000000000000000000 | ::",
        "fe800000000000000000000000000000 | fe80::",
        "20010db8000000010000000000000001 | 2001:db8:0:1::1",
        "20010db8000100010001000100010001 | 2001:db8:1:1:1:1:1:1",
        "20010000000000010000000000000000 | 2001:0:0:1::",
    })
    void showsIp6InItsShortForm(String hex, String shown) {
        assertEquals(shown, ParamLiterals.show(ParamType.of(ParamType.Kind.IP6), new BigInteger(hex, 16)));
        assertEquals(new BigInteger(hex, 16), ParamLiterals.parse(ParamType.of(ParamType.Kind.IP6), shown));
    }
}
