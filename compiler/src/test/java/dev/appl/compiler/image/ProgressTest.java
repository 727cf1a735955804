package dev.appl.compiler.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void aStepIsOneLineRewrittenInPlaceThatStaysWhenItIsDone() {
        StringWriter text = new StringWriter();
        Progress progress = Progress.to(new PrintWriter(text));
        try (Progress.Step step = progress.step("linking a runtime of java.base (jlink)")) {
            step.detail("40%");
        }
        String out = text.toString();
        assertTrue(out.startsWith("\r\033[K  linking a runtime of java.base (jlink) ... "), out);
        assertTrue(out.endsWith(" s\n"), "the last rewrite has the time and no detail, then a new line: " + out);
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), out);
    }
    // Quiet progress (not a terminal, or CI) is checked where applc build runs: DeploymentImagesTest
    // expects nothing on stderr.
}
