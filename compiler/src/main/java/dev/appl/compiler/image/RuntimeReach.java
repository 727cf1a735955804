package dev.appl.compiler.image;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The runtime classes an appliance reaches: those that its generated classes and the launcher
 * name, then those that these name, and so on. A class names another wherever its constant pool
 * holds the other's name: as a class it uses, in a field or method descriptor, a generic
 * signature, an annotation, or in a string constant ({@code Class.forName("dev.appl.runtime...")}).
 * Stores and other classes that nothing reached names stay out of the image.
 *
 * <p>Drivers are the one exception to following names: the launcher names every driver, since
 * which one opens a port depends on the binding given at start, but a binding is only accepted on
 * a port of the driver's kind. A driver declares that kind in a constant, {@code static final
 * String PORT_KIND = "datagram"}, and is kept only for an appliance with a port of that kind (with
 * what it names); the launcher's code for the others is never run, and the JVM resolves a class
 * only when the code that uses it runs.
 *
 * <p>The analysis reads every UTF-8 constant of a class and looks for runtime class names in it,
 * so it over-approximates (a name in a message counts too) but never misses a class the JVM could
 * load through a constant; what is loaded by a name built at run time is not found, and the
 * runtime does not do that. A non-class file of the runtime (a resource) goes with its package:
 * it is kept when a class of the same package is.
 */
public final class RuntimeReach {
    /** A runtime class name in a constant, in internal ({@code a/b/C}) or binary ({@code a.b.C}) form. */
    private static final Pattern NAME = Pattern.compile("dev[/.]appl[/.]runtime[/.][A-Za-z0-9_$/.]+");

    /** The constant by which a driver names the kind of port it serves ({@code packet}, {@code datagram}, {@code stream}). */
    static final String DRIVER_KIND = "PORT_KIND";

    private RuntimeReach() {}

    /**
     * @param generated the appliance's generated class files
     * @param launcher  the entry name of the launcher's class, which is reached whatever names it
     * @param runtime   every file of the runtime by entry name ({@code dev/appl/runtime/.../X.class})
     * @param portKinds the kinds of the appliance's ports, for the drivers to keep
     * @return the files of {@code runtime} that the generated classes and the launcher reach, the
     *         launcher included, by entry name
     */
    public static SortedMap<String, byte[]> of(Collection<byte[]> generated, String launcher,
            SortedMap<String, byte[]> runtime, Set<String> portKinds) {
        if (!runtime.containsKey(launcher)) {
            throw new IllegalArgumentException("the runtime has no " + launcher);
        }
        SortedMap<String, byte[]> reached = new TreeMap<>();
        reached.put(launcher, runtime.get(launcher));
        Deque<byte[]> work = new ArrayDeque<>(generated);
        work.push(runtime.get(launcher));
        while (!work.isEmpty()) {
            for (String entry : named(work.pop(), runtime)) {
                String kind = reached.containsKey(entry) ? null : driverKind(runtime.get(entry));
                if (kind != null && !portKinds.contains(kind)) {
                    continue;
                }
                if (reached.put(entry, runtime.get(entry)) == null) {
                    work.push(runtime.get(entry));
                }
            }
        }
        SortedMap<String, byte[]> withResources = new TreeMap<>(reached);
        for (Map.Entry<String, byte[]> e : runtime.entrySet()) {
            if (!e.getKey().endsWith(".class") && reachedPackage(reached, folder(e.getKey()))) {
                withResources.put(e.getKey(), e.getValue());
            }
        }
        return withResources;
    }

    /** The runtime class files whose names the constant pool of {@code classFile} holds. */
    static Set<String> named(byte[] classFile, SortedMap<String, byte[]> runtime) {
        Set<String> found = new TreeSet<>();
        ClassReader reader = new ClassReader(classFile);
        for (int i = 1; i < reader.getItemCount(); i++) {
            int offset = reader.getItem(i);
            // getItem gives the offset just past an entry's tag byte; 1 is CONSTANT_Utf8.
            if (offset == 0 || classFile[offset - 1] != 1) {
                continue;
            }
            // A u2 length, then modified UTF-8; names are ASCII, and no byte of a longer character is.
            String text = new String(classFile, offset + 2, reader.readUnsignedShort(offset), ISO_8859_1);
            Matcher m = NAME.matcher(text);
            while (m.find()) {
                String entry = classEntry(m.group().replace('.', '/'), runtime);
                if (entry != null) {
                    found.add(entry);
                }
            }
        }
        return found;
    }

    /**
     * The kind of port a driver serves, from its {@value #DRIVER_KIND} constant; null for a class
     * that is not a driver.
     */
    static String driverKind(byte[] classFile) {
        String[] kind = {null};
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
                if (name.equals(DRIVER_KIND) && value instanceof String s && (access & Opcodes.ACC_STATIC) != 0) {
                    kind[0] = s;
                }
                return null;
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return kind[0];
    }

    /**
     * The longest prefix of {@code name}, cut at a slash, that is a runtime class:
     * {@code dev/appl/runtime/io/PcapFile/open} (a name followed by a member, in a message) is
     * {@code PcapFile}. Null when there is none.
     */
    private static String classEntry(String name, SortedMap<String, byte[]> runtime) {
        for (String n = name; n.lastIndexOf('/') > 0; n = n.substring(0, n.lastIndexOf('/'))) {
            if (runtime.containsKey(n + ".class")) {
                return n + ".class";
            }
        }
        return null;
    }

    private static String folder(String entry) {
        return entry.substring(0, entry.lastIndexOf('/') + 1);
    }

    private static boolean reachedPackage(SortedMap<String, byte[]> reached, String folder) {
        for (String r : reached.keySet()) {
            if (folder(r).equals(folder)) {
                return true;
            }
        }
        return false;
    }
}
