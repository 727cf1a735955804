package dev.appl.lsp;

import dev.appl.language.ast.Node;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Visits every node of a syntax tree, outer before inner. The tree is made of records, so the walk
 * follows their components generically: a node type added to the language is walked without a
 * change here, which matters for an editor that must never miss (or trip over) part of a file.
 */
final class Nodes {
    private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();

    private Nodes() {}

    static void walk(Node node, Consumer<Node> visit) {
        if (node == null) {
            return;
        }
        visit.accept(node);
        Class<?> type = node.getClass();
        if (!type.isRecord()) {
            return;
        }
        for (RecordComponent c : COMPONENTS.computeIfAbsent(type, Class::getRecordComponents)) {
            Object value;
            try {
                value = c.getAccessor().invoke(node);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c, e);
            }
            if (value instanceof Node child) {
                walk(child, visit);
            } else if (value instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof Node child) {
                        walk(child, visit);
                    }
                }
            }
        }
    }
}
