package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.passes.Pipeline;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The KV sample (samples/kv) on the interpreter and on its compiled kernel, request for request:
 * seeded random RESP commands, right and wrong, over a few keys, with the clock moving so that
 * deadlines pass and the flush timer runs. Each engine has its own store files; the replies must
 * be the same bytes.
 */
class KvDifferentialTest {
    private static final String[] KEYS = {"a", "b", "counter", "k" + "x".repeat(40), ""};

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void repliesAreTheInterpreters(boolean optimized) {
        IrAppliance ir = Specs.lower(Specs.sample("kv")).getFirst();
        IrAppliance compiledIr = Specs.lower(Specs.sample("kv")).getFirst();
        if (optimized) {
            Pipeline.run(compiledIr);
        }
        for (boolean durable : new boolean[] {false, true}) {
            Differential d = new Differential(ir, CompiledAppliance.compile(compiledIr), Map.of("durable", durable ? 1L : 0L));
            Random random = new Random(20261126L + (durable ? 1 : 0));
            d.setTime(1_764_000_000_000_000_000L); // an epoch time in 2025, in nanoseconds
            Map<String, Integer> replies = new TreeMap<>();
            for (int i = 0; i < 3000; i++) {
                Interpreter.Outcome out = d.send(0, request(random));
                String first = out.packet().length == 0 ? "none" : String.valueOf((char) out.packet()[0]);
                replies.merge(out.fate() + " " + first, 1, Integer::sum);
                if (random.nextInt(10) == 0) {
                    d.advance(random.nextLong(3_000_000_000L)); // up to 3 s: deadlines pass, the timer flushes
                }
            }
            // Every kind of reply was compared: status, error, integer, bulk and nil, arrays.
            for (String kind : new String[] {"REPLY +", "REPLY -", "REPLY :", "REPLY $", "REPLY *"}) {
                assertTrue(replies.getOrDefault(kind, 0) > 10, kind + " in " + replies);
            }
        }
    }

    /** A command, mostly well formed; as an array of bulk strings, or now and then inline. */
    private static byte[] request(Random random) {
        String key = KEYS[random.nextInt(KEYS.length)];
        List<String> args = new ArrayList<>();
        switch (random.nextInt(14)) {
            case 0 -> args.addAll(List.of("GET", key));
            case 1 -> {
                args.addAll(List.of("SET", key, random.nextBoolean() ? "v" + random.nextInt(1000) : String.valueOf(random.nextInt(21) - 10)));
                if (random.nextBoolean()) {
                    args.add(random.nextBoolean() ? "EX" : "px");
                    args.add(String.valueOf(random.nextInt(8) - 1 + (random.nextInt(4) == 0 ? 0 : 1)));
                }
                if (random.nextInt(3) == 0) {
                    args.add(random.nextBoolean() ? "NX" : "xx");
                }
            }
            case 2 -> {
                args.add(random.nextBoolean() ? "DEL" : "EXISTS");
                for (int i = random.nextInt(4); i >= 0; i--) {
                    args.add(KEYS[random.nextInt(KEYS.length)]);
                }
            }
            case 3 -> args.addAll(List.of("INCR", key));
            case 4 -> args.addAll(List.of("EXPIRE", key, String.valueOf(random.nextInt(10) - 2)));
            case 5 -> args.addAll(List.of("TTL", key));
            case 6 -> args.addAll(random.nextBoolean() ? List.of("PING") : List.of("ping", "hello"));
            case 7 -> args.add(random.nextBoolean() ? "DBSIZE" : "dbsize");
            case 8 -> args.addAll(random.nextInt(4) == 0 ? List.of("FLUSHALL") : List.of("TTL", key));
            case 9 -> args.addAll(List.of("CONFIG", "GET", random.nextBoolean() ? "save" : "appendonly"));
            case 10 -> args.addAll(List.of("COMMAND", "DOCS"));
            case 11 -> args.addAll(List.of("NOSUCH", key, "x".repeat(random.nextInt(200))));
            case 12 -> args.addAll(List.of("SET", key)); // too few arguments
            default -> args.addAll(List.of("SET", key, "1", "EX", random.nextBoolean() ? "x" : "0"));
        }
        if (random.nextInt(8) == 0 && args.stream().noneMatch(a -> a.isEmpty() || a.contains(" "))) {
            return (String.join(" ", args) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            out.writeBytes(("$" + a.length() + "\r\n" + a + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }
}
