package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import java.util.List;

/**
 * Where each field of a header sits on the wire: its bit offset from the start of the header and
 * its width. A trailing {@code bytes[...]} field starts at {@code fixedBits} and has width 0 here.
 */
public record HeaderLayout(Decl.Header header, List<FieldLayout> fields, int fixedBits) {
    public record FieldLayout(Decl.HeaderField field, Type type, int bitOffset, int bitWidth, boolean littleEndian) {
        public int byteOffset() {
            return bitOffset / 8;
        }

        public boolean isTrailingBytes() {
            return field.length() != null;
        }
    }

    /** Bytes before any trailing {@code bytes[...]} field. */
    public int fixedBytes() {
        return fixedBits / 8;
    }

    public FieldLayout field(String name) {
        for (FieldLayout f : fields) {
            if (f.field().name().text().equals(name)) {
                return f;
            }
        }
        return null;
    }
}
