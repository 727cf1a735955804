package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.runtime.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store operations compiled and interpreted (test resource codegen/stores.appl): the spec's tests
 * on both engines, both side by side on random commands (each with its own store files), what a
 * kernel writes read back by the next kernel on the same files, and files that are refused.
 */
class StoresTest {
    @TempDir
    Path dir;

    private IrAppliance lower() throws IOException {
        Path spec = dir.resolve("stores.appl");
        try (InputStream in = StoresTest.class.getResourceAsStream("/codegen/stores.appl")) {
            Files.write(spec, in.readAllBytes());
        }
        return Specs.lower(spec).getFirst();
    }

    /** A command frame: Frame (type 0x88b5), Cmd, payload. */
    static byte[] command(int op, int flags, int length, long offset, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 12 + payload.length);
        b.position(12);
        b.putShort((short) 0x88b5).put((byte) op).put((byte) flags).putShort((short) length).putLong(offset).put(payload);
        return b.array();
    }

    @Test
    void theSpecsTestsPassOnBothEngines() throws IOException {
        IrAppliance ir = lower();
        Codegen.Generated g = Codegen.generate(ir, true);
        assertEquals("", Specs.verify(g.bytes()));
        CompiledAppliance compiled = CompiledAppliance.load(ir, g);
        for (List<TestRunner.Result> results : List.of(TestRunner.run(ir),
                TestRunner.run(ir, () -> compiled.newKernel(Map.of())))) {
            assertEquals(3, results.size());
            results.forEach(r -> assertTrue(r.passed(), r.test() + ": " + r.failure()));
        }
    }

    @Test
    void compiledAndInterpretedAgreeOnRandomCommands() throws IOException {
        IrAppliance ir = lower();
        IrAppliance optimized = lower();
        Pipeline.run(optimized);
        for (IrAppliance kernelIr : List.of(ir, optimized)) {
            Differential d = new Differential(ir, CompiledAppliance.compile(kernelIr));
            Path a = d.referenceFolder;
            Path b = d.compiledFolder;
            try {
                Random r = new Random(kernelIr == ir ? 5 : 6);
                for (int i = 0; i < 3000; i++) {
                    byte[] payload = new byte[r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? 3 : 90)];
                    for (int k = 0; k < payload.length; k++) {
                        payload[k] = (byte) ('a' + r.nextInt(3));
                    }
                    long offset = switch (r.nextInt(4)) {
                        case 0 -> 8L * r.nextInt(400);
                        case 1 -> 65536 - r.nextInt(300);
                        case 2 -> r.nextLong();
                        default -> r.nextInt(66000);
                    };
                    // Replies stay within the room the test buffers leave (Kernel.HEADROOM after the packet).
                    d.send(0, command(r.nextInt(10), r.nextInt(2), r.nextInt(240), offset, payload));
                }
            } finally {
                d.reference.closeStores();
                d.compiled.closeStores();
            }
            assertTrue(d.fates.getOrDefault(Interpreter.Fate.REPLY, 0) > 1500, "most commands are answered: " + d.fates);
            assertTrue(d.fates.getOrDefault(Interpreter.Fate.MALFORMED, 0) > 100, "some are out of range: " + d.fates);
            for (String file : List.of("disk.img", "index.db", "index.db.1.0000000000000000", "journal.log.0000000000000000")) {
                assertArrayEquals(Files.readAllBytes(a.resolve(file)), Files.readAllBytes(b.resolve(file)), file);
            }
        }
    }

    @Test
    void whatOneKernelWritesTheNextReads() throws IOException {
        IrAppliance ir = lower();
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        Map<String, Object> params = Map.of("disk_file", "other.img", "disk_size", 131072L);
        Engine first = compiled.newKernel(params);
        first.openStores(dir);
        byte[] data = "persistent".getBytes();
        assertEquals(Interpreter.Fate.REPLY, first.handle(0, command(1, 1, 0, 131072 - data.length, data)).fate());
        assertEquals(Interpreter.Fate.REPLY, first.handle(0, command(5, 0, 4, 131072 - data.length, "key".getBytes())).fate());
        assertEquals(Interpreter.Fate.REPLY, first.handle(0, command(8, 0, 0, 0, new byte[0])).fate());
        first.closeStores();
        assertTrue(Files.exists(dir.resolve("other.img")));
        assertEquals(4096 + 131072, Files.size(dir.resolve("other.img")));

        Engine second = compiled.newKernel(params);
        second.openStores(dir);
        try {
            byte[] read = second.handle(0, command(0, 0, data.length, 131072 - data.length, new byte[0])).packet();
            assertEquals("00" + "000000000000000a" + HexFormat.of().formatHex(data), HexFormat.of().formatHex(read));
            byte[] got = second.handle(0, command(6, 0, 0, 0, "key".getBytes())).packet();
            assertEquals("06" + "0000000000000004" + HexFormat.of().formatHex("pers".getBytes()), HexFormat.of().formatHex(got));
        } finally {
            second.closeStores();
        }
    }

    @Test
    void aForeignFileIsRefusedByName() throws IOException {
        IrAppliance ir = lower();
        Path foreign = dir.resolve("index.db");
        byte[] junk = "not a store, somebody's notes".repeat(10).getBytes();
        Files.write(foreign, junk);
        for (Engine engine : List.of(Engine.interpreter(ir, Map.of()), CompiledAppliance.compile(ir).newKernel(Map.of()))) {
            StoreException e = assertThrows(StoreException.class, () -> engine.openStores(dir));
            assertEquals(foreign, e.file());
            assertTrue(e.getMessage().contains("not an appl kv store"), e.getMessage());
            assertArrayEquals(junk, Files.readAllBytes(foreign));
        }
        // The stores opened before the refused one were closed again: their files can be reopened.
        Engine engine = Engine.interpreter(ir, Map.of());
        Files.delete(foreign);
        engine.openStores(dir);
        engine.closeStores();
    }
}
