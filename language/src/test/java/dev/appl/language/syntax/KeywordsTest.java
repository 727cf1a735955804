package dev.appl.language.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class KeywordsTest {
    /** The reserved words read from the grammar are those docs/language.md lists as reserved everywhere. */
    @Test
    void theReservedKeywordsAreThoseTheLanguageDocumentLists() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "language.md"));
        String block = doc.substring(doc.indexOf("```", doc.indexOf("These keywords are reserved everywhere:")) + 3);
        block = block.substring(0, block.indexOf("```"));
        Set<String> listed = new TreeSet<>(Arrays.asList(block.strip().split("\\s+")));
        assertEquals(listed, new TreeSet<>(Keywords.RESERVED));
    }
}
