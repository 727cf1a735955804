package dev.appl.compiler;

import static dev.appl.compiler.SampleFiles.assertSameTrace;
import static dev.appl.compiler.SampleFiles.expectedDir;
import static dev.appl.compiler.SampleFiles.expectedSummary;
import static dev.appl.compiler.SampleFiles.sampleDir;
import static dev.appl.compiler.SampleFiles.spec;
import static dev.appl.compiler.SampleFiles.summary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.cli.Applc;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The DNS sample answers the queries of samples/dns/queries.pcap, loaded with its default zone,
 * exactly as samples/dns/make_trace.py predicts from its own model of the server: the replies
 * byte for byte (compression pointers, SOA in negative answers, error codes) and the counts, on
 * the compiled kernel and on the interpreter.
 */
class DnsSampleTest {
    @ParameterizedTest
    @ValueSource(strings = {"compiled", "interp"})
    void answersTheQueriesOfTheTrace(String engine, @TempDir Path tmp) throws IOException {
        Path queries = sampleDir("dns").resolve("queries.pcap");
        assertTrue(Files.isRegularFile(queries), "no " + queries + ": run python3 samples/dns/make_trace.py");
        Path out = tmp.resolve("udp.pcap");
        StringWriter printed = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Applc());
        cli.setOut(new PrintWriter(new BufferedWriter(printed), true));
        cli.setErr(new PrintWriter(new BufferedWriter(err), true));
        int exit = cli.execute("run", spec("dns").toString(), "--engine", engine,
                "--port", "udp=pcap:" + queries + ",out=" + out);
        cli.getOut().flush();
        cli.getErr().flush();
        assertEquals(0, exit, err.toString());
        assertTrue(err.toString().contains("table `records`: 19 entries loaded from"), err.toString());
        assertEquals(expectedSummary("dns"), summary(printed.toString()), "applc run printed:\n" + printed);
        assertSameTrace(expectedDir("dns").resolve("udp.pcap"), out);
    }
}
